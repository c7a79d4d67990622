"""The Store contract's part on records (tickets, incidents, maintenances), written once for both backends.

A backend gives its shared statements (storage/rows.py, with its codec and its own read of a ticket), a write
transaction for one record and a transaction of reads of one snapshot; how each takes locks and tells other
instances stays in the backend.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from status_api.domain.errors import NotFound
from status_api.domain.records import Appended, Idempotency, Incident, Maintenance, R
from status_api.domain.store import Build, Change, Notify
from status_api.storage import appending
from status_api.storage.mailing import Mailing
from status_api.storage.rows import Rows, Table


class RecordStore(ABC):
    _rows: Rows
    _mailing: Mailing
    # How many of a ticket's latest updates its reads give (a lookup shows no more; see domain/store.py).
    _recent: int

    @abstractmethod
    def _record_write(self, subject: str, reference: str) -> AbstractContextManager[Any]:
        """The write transaction of one record: writes of one record take turns."""

    @abstractmethod
    def _snapshot(self) -> AbstractContextManager[Any]:
        """A transaction of several reads of one snapshot."""

    def put(
        self, subject: type[R], reference: str, build: Build[R], *, notify: Notify[R] | None = None
    ) -> tuple[R, bool]:
        table: Table[R] = self._rows.tables[subject]
        with self._record_write(table.subject, reference) as conn:
            current = table.load(conn, reference, self._recent)
            record = build(current)
            table.write(conn, record)
            if current is None:
                for update in record.updates:  # an incident's opening
                    table.write_update(conn, reference, update)
            stored = table.load(conn, reference, self._recent)
            assert stored is not None
            appending.opened(conn, stored, current is None, notify, self._mailing.queue_notice)
            return stored, current is None

    def append_update(
        self,
        subject: type[R],
        reference: str,
        change: Change[R],
        *,
        idempotency: Idempotency | None = None,
        notify: Notify[R] | None = None,
    ) -> Appended[R] | None:
        table: Table[R] = self._rows.tables[subject]
        rows = self._rows
        with self._record_write(table.subject, reference) as conn:
            return appending.append(
                conn,
                table,
                reference,
                change,
                idempotency,
                self._recent,
                rows.seen_key,
                rows.keep_key,
                notify,
                self._mailing.queue_notice,
            )

    def delete(self, subject: type[R], reference: str) -> bool:
        table: Table[R] = self._rows.tables[subject]
        with self._record_write(table.subject, reference) as conn:
            self._rows.run(
                conn, "DELETE FROM idempotency WHERE subject = ? AND reference = ?", (table.subject, reference)
            )
            # What hangs on it goes with it (ON DELETE CASCADE); an incident's tickets stay.
            deleted = self._rows.run(conn, f"DELETE FROM {table.name} WHERE reference = ?", (reference,))
            return bool(deleted.rowcount > 0)

    def incidents(self, since: datetime) -> list[Incident]:
        rows = self._rows
        with self._snapshot() as conn:
            found = rows.run(
                conn, "SELECT reference FROM incidents WHERE ended_at IS NULL OR ended_at >= ?", (rows.moment(since),)
            ).fetchall()
            loaded = (rows.load_incident(conn, reference) for (reference,) in found)
            return [incident for incident in loaded if incident is not None]

    def maintenances(self, since: datetime) -> list[Maintenance]:
        rows = self._rows
        with self._snapshot() as conn:
            found = rows.run(
                conn,
                "SELECT reference FROM maintenances WHERE coalesce(cancelled_at, ends_at) >= ?",
                (rows.moment(since),),
            ).fetchall()
            loaded = (rows.load_maintenance(conn, reference) for (reference,) in found)
            return [maintenance for maintenance in loaded if maintenance is not None]

    def link(self, ticket: str, incident: str) -> bool:
        rows = self._rows
        with self._record_write("ticket", ticket) as conn:
            if not rows.exists(conn, rows.incidents, incident):
                raise NotFound("incident", incident)
            if not rows.exists(conn, rows.tickets, ticket):
                raise NotFound("ticket", ticket)
            before = rows.run(conn, "SELECT incident FROM incident_tickets WHERE ticket = ?", (ticket,)).fetchone()
            rows.write_link(conn, ticket, incident)
            return before is None or before[0] != incident

    def unlink(self, ticket: str, incident: str) -> bool:
        with self._record_write("ticket", ticket) as conn:
            deleted = self._rows.run(
                conn, "DELETE FROM incident_tickets WHERE ticket = ? AND incident = ?", (ticket, incident)
            )
            return bool(deleted.rowcount > 0)
