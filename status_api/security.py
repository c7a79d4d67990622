"""Headers that tell browsers what the pages may do, and how long each answer may be cached."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kb_build.csp import HASHES_FILE, policy, read_hashes

HSTS = "max-age=31536000"
# Answers that can hold a ticket's state, or say whether the service is up: never kept by any cache.
_UNCACHED = ("/api/", "/healthz", "/readyz")
# Material's assets carry a hash of their content in their name (bundle.a5f9d56c.min.js): one address, one content.
_FINGERPRINTED = re.compile(r"\.[0-9a-f]{8,}\.min\.(?:js|css)$")
_IMMUTABLE = "public, max-age=31536000, immutable"
# The site's other files (its own stylesheets, scripts and search index) may change at the next build.
_STATIC = "public, max-age=600"


class SecurityHeaders:
    """Adds the headers to every response; a header that a route set itself is kept."""

    def __init__(self, app: ASGIApp, *, site_dir: Path | None = None, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts
        self._hashes_path = site_dir / HASHES_FILE if site_dir else None
        self._policy: tuple[int, str] = (-1, policy(()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def secure(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._add(MutableHeaders(scope=message), path, message["status"])
            await send(message)

        await self.app(scope, receive, secure)

    def _add(self, headers: MutableHeaders, path: str, status: int) -> None:
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if self.hsts:
            headers.setdefault("Strict-Transport-Security", HSTS)
        html = headers.get("content-type", "").startswith("text/html")
        if html:
            headers.setdefault("Content-Security-Policy", self._current_policy())
            headers.setdefault("X-Frame-Options", "DENY")
        if "cache-control" in headers:
            return
        if path.startswith(_UNCACHED):
            headers["Cache-Control"] = "no-store"
        elif html:
            # Pages are checked again at each visit (cheap with ETag), so that a new build shows at once.
            headers["Cache-Control"] = "no-cache"
        elif status in (200, 304):
            headers["Cache-Control"] = _IMMUTABLE if _FINGERPRINTED.search(path) else _STATIC

    def _current_policy(self) -> str:
        """The policy with the hashes of the site's inline scripts, read again after each build of the site."""
        if self._hashes_path is None:
            return self._policy[1]
        try:
            stamp = self._hashes_path.stat().st_mtime_ns
        except OSError:
            stamp = 0
        if stamp != self._policy[0]:
            self._policy = (stamp, policy(read_hashes(self._hashes_path.parent)))
        return self._policy[1]
