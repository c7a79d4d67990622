"""`make audit`: Lighthouse scores and screenshots of the help center and the status page, as served."""
