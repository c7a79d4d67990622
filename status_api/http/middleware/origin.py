"""Forms posted from other websites are refused: any page could otherwise make its visitors' browsers look up."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from starlette.types import ASGIApp, Receive, Scope, Send

# Origin is what browsers send with a form's POST; "null" comes from sandboxed frames, files and odd redirects.
_NO_ORIGIN = b""


class SameOriginForms:
    """A POST to one of the paths of `refusals` whose Origin is neither the service's own nor one of `allowed`
    gets that path's refusal (`refusal(scope)`): one layer for every form of the service.

    Runs before the rate limit, so that a refused post spends no one's budget (an office behind one address
    would otherwise be locked out by another site's visitors). A request without Origin is not a browser's
    cross-site form (browsers send it with every POST): it goes on.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        refusals: Mapping[str, Callable[[Scope], ASGIApp]],
        allowed: frozenset[str],
    ) -> None:
        self.app = app
        self.refusals = dict(refusals)
        self.allowed = frozenset(origin.lower().encode("latin-1") for origin in allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in self.refusals:
            origin, host = _NO_ORIGIN, _NO_ORIGIN
            for name, value in scope["headers"]:
                if name == b"origin":
                    origin = value.strip().lower()
                elif name == b"host":
                    host = value.strip().lower()
            if origin and not self._same(origin, host):
                await self.refusals[scope["path"]](scope)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _same(self, origin: bytes, host: bytes) -> bool:
        if origin in self.allowed:
            return True
        # The service's own pages: an origin naming the host the request was sent to (http, or https through
        # a TLS proxy). A browser cannot be made to send another site's Origin along with our Host.
        scheme, _, netloc = origin.partition(b"://")
        return scheme in (b"http", b"https") and bool(host) and netloc == host
