"""The helpdesks' inbox, written once for both backends: deliveries accepted by the webhooks, applied later.

A webhook stores the delivery already mapped (a HelpdeskChange: our steps and teams, its public comment
scrubbed; nothing personal) in one statement and answers at once; the applier (core/applier.py) takes
them in arrival order and applies them. The statements are the same in SQLite and PostgreSQL but for their
placeholders and the claim: PostgreSQL locks the rows it claims and skips those another instance holds (FOR
UPDATE SKIP LOCKED). A claim is a lease: a delivery claimed by an instance that dies is taken again once the
lease is over, and applying it twice changes nothing (core/helpdesk.py keeps the delivery's idempotency key).

Times are kept as seconds since the epoch (of the core's clock).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from status_api.domain.helpdesk import HelpdeskChange, Received


class Inbox:
    def __init__(self, placeholder: str, lock: str) -> None:
        self._placeholder = placeholder
        # What the claim's SELECT ends with: "" in SQLite, "FOR UPDATE SKIP LOCKED" in PostgreSQL.
        self._lock = lock

    def _run(self, conn: Any, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return conn.execute(sql.replace("?", self._placeholder), params)

    def receive(self, conn: Any, source: str, reference: str, change: HelpdeskChange, now: datetime) -> bool:
        inserted = self._run(
            conn,
            "INSERT INTO helpdesk_inbox (delivery, source, reference, change, received_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (delivery) DO NOTHING",
            (f"{source}:{change.delivery}", source, reference, change.model_dump_json(), now.timestamp()),
        )
        return bool(inserted.rowcount > 0)

    def pending(self, conn: Any, now: datetime) -> bool:
        """Whether anything awaits applying now: a read, so that an idle applier writes nothing."""
        row = self._run(
            conn,
            "SELECT 1 FROM helpdesk_inbox WHERE applied_at IS NULL AND claimed_until <= ? LIMIT 1",
            (now.timestamp(),),
        ).fetchone()
        return row is not None

    def claim(self, conn: Any, now: datetime, lease: float, limit: int) -> list[Received]:
        at = now.timestamp()
        found = self._run(
            conn,
            "SELECT id, source, reference, change FROM helpdesk_inbox WHERE applied_at IS NULL AND claimed_until <= ?"
            f" ORDER BY id LIMIT ? {self._lock}",
            (at, limit),
        ).fetchall()
        ids = [int(row[0]) for row in found]
        for id_ in ids:
            self._run(conn, "UPDATE helpdesk_inbox SET claimed_until = ? WHERE id = ?", (at + lease, id_))
        return [
            Received(int(id_), source, reference, HelpdeskChange.model_validate_json(change))
            for id_, source, reference, change in found
        ]

    def applied(self, conn: Any, outcomes: Sequence[tuple[int, str]], now: datetime) -> None:
        """Applied (or refused): what it said is forgotten, its delivery id kept a while for the dedupe."""
        for entry, outcome in outcomes:
            self._run(
                conn,
                "UPDATE helpdesk_inbox SET applied_at = ?, outcome = ?, change = '{}' WHERE id = ?",
                (now.timestamp(), outcome, entry),
            )

    def outcome(self, conn: Any, source: str, delivery: str) -> str | None:
        row = self._run(
            conn, "SELECT outcome FROM helpdesk_inbox WHERE delivery = ?", (f"{source}:{delivery}",)
        ).fetchone()
        return None if row is None else row[0]

    def purge(self, conn: Any, before: datetime) -> None:
        self._run(conn, "DELETE FROM helpdesk_inbox WHERE applied_at < ?", (before.timestamp(),))


class InboxStore(ABC):
    """The Store contract's part on the helpdesks' inbox, for a backend that gives its dialect and a
    transaction other instances need not be told of (an accepted delivery changes no lookup until applied)."""

    _inbox: Inbox

    @abstractmethod
    def _quiet_write(self) -> AbstractContextManager[Any]: ...

    @abstractmethod
    def _quiet_read(self) -> AbstractContextManager[Any]: ...

    def receive(self, source: str, reference: str, change: HelpdeskChange, now: datetime) -> bool:
        with self._quiet_write() as conn:
            return self._inbox.receive(conn, source, reference, change, now)

    def claim_received(self, now: datetime, lease: float, limit: int) -> list[Received]:
        with self._quiet_read() as conn:
            if not self._inbox.pending(conn, now):
                return []
        with self._quiet_write() as conn:
            return self._inbox.claim(conn, now, lease, limit)

    def applied(self, outcomes: Sequence[tuple[int, str]], now: datetime) -> None:
        with self._quiet_write() as conn:
            self._inbox.applied(conn, outcomes, now)

    def received_outcome(self, source: str, delivery: str) -> str | None:
        with self._quiet_read() as conn:
            return self._inbox.outcome(conn, source, delivery)

    def purge_received(self, before: datetime) -> None:
        with self._quiet_write() as conn:
            self._inbox.purge(conn, before)


SQLITE = Inbox("?", "")
POSTGRES = Inbox("%s", "FOR UPDATE SKIP LOCKED")
