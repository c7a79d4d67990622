"""The layers every request goes through, a module each; app.py lists them in order."""
