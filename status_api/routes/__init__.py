"""The service's routes: the JSON API and the server-rendered pages."""
