"""The OpenAPI 3.1 document of the service (document.py), made of its parts: records and errors (parts.py),
webhooks (hooks.py), HTML pages (pages.py) and the data's rules (rules.py)."""

from status_api.http.openapi.document import openapi_document, openapi_route

__all__ = ["openapi_document", "openapi_route"]
