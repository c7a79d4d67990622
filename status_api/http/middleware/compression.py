"""Gzip for the clients that ask for it; every other answer goes through untouched, at no cost."""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send


class Compression:
    """Starlette's GZipMiddleware, entered only when the request accepts gzip.

    Starlette wraps every other request too, to add `Vary: Accept-Encoding` to answers it leaves alone: a
    tenth of a cached lookup's time. Compressed answers still carry Vary, so no cache serves gzip to a client
    that cannot read it; at worst a cache keeps a plain copy for everyone.
    """

    def __init__(self, app: ASGIApp, *, minimum_size: int = 1024) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _accepts_gzip(scope):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def _accepts_gzip(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"accept-encoding":
            return b"gzip" in value.lower()
    return False
