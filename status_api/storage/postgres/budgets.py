"""Lookup budgets every instance shares, in PostgreSQL: the Budgets of http/budgets.py, kept in an UNLOGGED
table (a crash loses budgets, which only start afresh) and spent in one atomic UPSERT each.

The token-bucket arithmetic is RateLimiter's (http/budgets.py), written in SQL so that it runs where the
state is, with the database's clock, which every instance shares: each bucket refills at its rate up to
its size, and a lookup takes one token only if both buckets have one.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool

from status_api.config import Limits
from status_api.storage.postgres.store import PostgresStore

_NOW = "extract(epoch FROM clock_timestamp())"
_LOOKUPS = f"least(%(burst)s, b.lookups + greatest({_NOW} - b.at, 0) * %(lookup_rate)s)"
_MISSES = f"least(%(miss_count)s, b.misses + greatest({_NOW} - b.at, 0) * %(miss_rate)s)"
_GRANTED = f"({_LOOKUPS} >= 1 AND {_MISSES} >= 1)"

_ACQUIRE = f"""INSERT INTO budgets AS b (client, lookups, misses, at, granted)
    VALUES (%(client)s, %(burst)s - 1, %(miss_count)s, {_NOW}, true)
    ON CONFLICT (client) DO UPDATE SET
        lookups = {_LOOKUPS} - CASE WHEN {_GRANTED} THEN 1 ELSE 0 END,
        misses = {_MISSES},
        at = {_NOW},
        granted = {_GRANTED}
    RETURNING granted, lookups, misses""".encode()

# Concurrent lookups of one client may each pass with the last token: a small debt, repaid by waiting.
_CHARGE = f"""UPDATE budgets AS b SET
        lookups = {_LOOKUPS},
        misses = greatest({_MISSES} - 1, -%(miss_count)s),
        at = {_NOW}
    WHERE client = %(client)s""".encode()

# A budget refilled to the brim is a new client's: rows idle that long are forgotten, which changes nothing.
# Only this budget's rows: the table holds every budget's (lookups, subscription forms, addresses), and a
# budget that refills in minutes must not forget one that takes a day.
_FORGET = f"DELETE FROM budgets WHERE starts_with(client, %(kind)s) AND at < {_NOW} - %(full)s".encode()
_FORGET_EVERY = 1000


class PostgresBudgets:
    """`kind` names this budget's rows in the shared table (each client's key is stored after it)."""

    def __init__(self, store: PostgresStore, limits: Limits, kind: str) -> None:
        self.limits = limits
        self._store = store
        self._kind = kind + ":"
        self._params: dict[str, float] = {
            "burst": limits.burst,
            "lookup_rate": limits.lookups.per_second,
            "miss_count": limits.misses.count,
            "miss_rate": limits.misses.per_second,
        }
        self._full = max(limits.burst / limits.lookups.per_second, limits.misses.count / limits.misses.per_second)
        self._acquired = 0

    async def acquire(self, client: object) -> float:
        return await run_in_threadpool(self.take, str(client))

    async def charge_miss(self, client: object) -> None:
        await run_in_threadpool(self.charge, str(client))

    def take(self, client: str) -> float:
        """0 when the client may look up now (one token is taken); otherwise the seconds to wait."""
        self._acquired += 1
        with self._store.connection() as conn:
            if self._acquired % _FORGET_EVERY == 0:
                conn.execute(_FORGET, {"kind": self._kind, "full": self._full})
            row = conn.execute(_ACQUIRE, {**self._params, "client": self._kind + client}).fetchone()
        assert row is not None
        granted, lookups, misses = row
        if granted:
            return 0.0
        wait = 0.0
        if lookups < 1:
            wait = (1 - lookups) / self.limits.lookups.per_second
        if misses < 1:
            wait = max(wait, (1 - misses) / self.limits.misses.per_second)
        return wait

    def charge(self, client: str) -> None:
        with self._store.connection() as conn:
            conn.execute(_CHARGE, {**self._params, "client": self._kind + client})
