"""Per-client budgets of the public lookup: a token bucket for every lookup, a tighter one for misses.

The lookup's doors (http/lookup.py) spend them once they know the entry is a call ID: an entry refused as
malformed reveals nothing, and a person correcting a paste is not locked out. A refusal then depends on the
client alone, found or not.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from status_api.config import Limits
from status_api.http.middleware.client import ClientKey


class _Budget:
    __slots__ = ("at", "lookups", "misses")

    def __init__(self, lookups: float, misses: float, at: float) -> None:
        self.lookups = lookups
        self.misses = misses
        self.at = at


class Budgets(Protocol):
    """Where clients' budgets are kept: in this process (RateLimiter), or in a database several instances share."""

    async def acquire(self, client: ClientKey) -> float:
        """0 when the client may look up now (one token is taken); otherwise the seconds to wait."""
        ...

    async def charge_miss(self, client: ClientKey) -> None: ...


class RateLimiter:
    """The budgets of the clients seen lately, by client key (an IPv4 address or an IPv6 /64, see client.py),
    in this process (one instance)."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._budgets: OrderedDict[ClientKey, _Budget] = OrderedDict()

    def __len__(self) -> int:
        return len(self._budgets)

    async def acquire(self, client: ClientKey) -> float:
        return self.take(client)

    async def charge_miss(self, client: ClientKey) -> None:
        self.charge(client)

    def take(self, client: ClientKey) -> float:
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

    def charge(self, client: ClientKey) -> None:
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


def retry_after(wait: float) -> str:
    return str(math.ceil(wait))
