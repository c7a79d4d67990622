"""Per-client limits on the public lookup: a token bucket for every lookup, a tighter one for misses."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable

from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kb_build.paths import SERVICE
from status_api.config import Limits
from status_api.http.errors import ApiError
from status_api.http.middleware.client import ClientKey, client_key
from status_api.views.help import Help

_LOOKUPS = SERVICE.lookups


class _Budget:
    __slots__ = ("at", "lookups", "misses")

    def __init__(self, lookups: float, misses: float, at: float) -> None:
        self.lookups = lookups
        self.misses = misses
        self.at = at


class RateLimiter:
    """The budgets of the clients seen lately, by client key (an IPv4 address or an IPv6 /64, see client.py)."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._budgets: OrderedDict[ClientKey, _Budget] = OrderedDict()

    def __len__(self) -> int:
        return len(self._budgets)

    def acquire(self, client: ClientKey) -> float:
        """0 when the client may look up now (one token is taken); otherwise the seconds to wait."""
        budget = self._budget(client)
        limits = self.limits
        wait = 0.0
        if budget.lookups < 1:
            wait = (1 - budget.lookups) / limits.lookups.per_second
        if budget.misses < 1:
            wait = max(wait, (1 - budget.misses) / limits.misses.per_second)
        if wait == 0:
            budget.lookups -= 1
        return wait

    def charge_miss(self, client: ClientKey) -> None:
        budget = self._budget(client)
        # Concurrent lookups of one client may each pass with the last token: a small debt, repaid by waiting.
        budget.misses = max(budget.misses - 1, -self.limits.misses.count)

    def _budget(self, client: ClientKey) -> _Budget:
        now = self._clock()
        limits = self.limits
        budget = self._budgets.get(client)
        if budget is None:
            if len(self._budgets) >= limits.max_clients:
                self._budgets.popitem(last=False)
            budget = self._budgets[client] = _Budget(limits.burst, limits.misses.count, now)
            return budget
        self._budgets.move_to_end(client)
        elapsed = max(now - budget.at, 0.0)
        budget.lookups = min(limits.burst, budget.lookups + elapsed * limits.lookups.per_second)
        budget.misses = min(limits.misses.count, budget.misses + elapsed * limits.misses.per_second)
        budget.at = now
        return budget


Refusal = Callable[[str, int], Response]


def refusal(message: str, help: Help, page: Callable[[str], bytes]) -> Refusal:
    """The 429 answer: the API's JSON error, or the tracking page with the message, for the path asked."""

    def refuse(path: str, retry_after: int) -> Response:
        headers = {"Retry-After": str(retry_after), "Cache-Control": "no-store"}
        if SERVICE.is_api(path):
            return ApiError(429, "rate_limited", message, help=help, headers=headers).response()
        return HTMLResponse(page(message), 429, headers=headers)

    return refuse


class RateLimitMiddleware:
    """Checks the client's budget before the lookup runs, and charges a miss when the answer is 404.

    The refusal is decided before the body is read, so that it depends on the client alone, never on the ID.
    """

    def __init__(self, app: ASGIApp, *, limiter: RateLimiter, refusal: Refusal) -> None:
        self.app = app
        self.limiter = limiter
        self.refusal = refusal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in _LOOKUPS:
            await self.app(scope, receive, send)
            return
        client = client_key(scope)
        wait = self.limiter.acquire(client)
        if wait > 0:
            await self.refusal(scope["path"], math.ceil(wait))(scope, receive, send)
            return

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 404:
                self.limiter.charge_miss(client)
            await send(message)

        await self.app(scope, receive, watch)
