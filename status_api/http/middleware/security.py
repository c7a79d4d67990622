"""Headers that tell browsers what the pages may do, and how long each answer may be cached."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kb_build.csp import HASHES_FILE, policy, read_hashes
from kb_build.paths import SERVICE
from status_api.views.watched import Watched

HSTS = "max-age=31536000"
# Answers that can hold a ticket's state, or say whether the service is up: never kept by any cache.
_UNCACHED = (SERVICE.api + "/", SERVICE.healthz, SERVICE.readyz)
# Material's assets carry a hash of their content in their name (bundle.a5f9d56c.min.js): one address, one content.
_FINGERPRINTED = re.compile(r"\.[0-9a-f]{8,}\.min\.(?:js|css)$")
_IMMUTABLE = b"public, max-age=31536000, immutable"
# The site's other files (its own stylesheets, scripts and search index) may change at the next build.
_STATIC = b"public, max-age=600"


class SecurityHeaders:
    """Adds the headers to every response; a header that a route set itself is kept.

    It works on the raw header list, bytes already encoded: it runs on every answer, the lookups among them.
    """

    def __init__(self, app: ASGIApp, *, site_dir: Path | None = None, hsts: bool = False) -> None:
        self.app = app
        self._always = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]
        if hsts:
            self._always.append((b"strict-transport-security", HSTS.encode()))
        # The policy allows the hashes of the site's inline scripts, read again after each build of the site.
        self._policy: Watched[bytes] | None = None
        if site_dir is not None:
            self._policy = Watched(site_dir / HASHES_FILE, lambda path: policy(read_hashes(path.parent)).encode())
        self._bare_policy = policy(()).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def secure(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = self._added(list(message.get("headers", ())), path, message["status"])
            await send(message)

        await self.app(scope, receive, secure)

    def _added(self, headers: list[tuple[bytes, bytes]], path: str, status: int) -> list[tuple[bytes, bytes]]:
        present = {name.lower(): value for name, value in headers}
        missing = list(self._always)
        html = present.get(b"content-type", b"").startswith(b"text/html")
        if html:
            csp = self._policy.get() if self._policy is not None else self._bare_policy
            missing.append((b"content-security-policy", csp))
            missing.append((b"x-frame-options", b"DENY"))
        if b"cache-control" not in present:
            if path.startswith(_UNCACHED):
                missing.append((b"cache-control", b"no-store"))
            elif html:
                # Pages are checked again at each visit (cheap with ETag), so that a new build shows at once.
                missing.append((b"cache-control", b"no-cache"))
            elif status in (200, 304):
                missing.append((b"cache-control", _IMMUTABLE if _FINGERPRINTED.search(path) else _STATIC))
        for header in missing:
            if header[0] not in present:
                headers.append(header)
        return headers
