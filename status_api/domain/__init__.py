"""The status service's domain: records, rules and lifecycles, in the ids and words of data/*.yml; no I/O."""
