"""Lookup answers released at a steady pace, so that how long one takes tells nothing about the ticket base."""

from __future__ import annotations

import time

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from status_api.ratelimit import LOOKUP_PATHS


class SteadyTiming:
    """Holds each lookup's answer until `floor` seconds after the request came in.

    A found ticket costs more work than a miss (its updates, its view, a longer body); with the answer
    released at the same moment either way, that work stays hidden as long as it takes less than the floor.
    The wait is a sleep: it costs no CPU, only a little latency.
    """

    def __init__(self, app: ASGIApp, *, floor: float) -> None:
        self.app = app
        self.floor = floor

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        lookup = scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in LOOKUP_PATHS
        if not lookup or self.floor <= 0:
            await self.app(scope, receive, send)
            return
        release = time.monotonic() + self.floor

        async def steady(message: Message) -> None:
            # A refusal of the rate limit depends on the client alone: it has nothing to hide, and goes at once.
            if message["type"] == "http.response.start" and message["status"] != 429:
                await anyio.sleep(max(release - time.monotonic(), 0))
            await send(message)

        await self.app(scope, receive, steady)
