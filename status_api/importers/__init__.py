"""Tickets and incidents from files: YAML or JSON (files.py), JSON Lines in bulk (lines.py); front doors of
their own over the use cases, which report every mistake at its place in the file."""
