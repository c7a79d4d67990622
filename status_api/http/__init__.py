"""The service over HTTP: routes, middleware, the OpenAPI document, and the lookup's fast path."""
