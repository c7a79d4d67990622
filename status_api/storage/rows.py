"""Records to rows and back where both backends say the same: incidents, maintenances, links, a ticket's
state and updates, idempotency keys.

The statements are the same in SQLite and PostgreSQL but for their placeholders (written `?` here, `%s` for
psycopg) and how a few values are kept (a Codec): SQLite keeps moments as fixed-width UTC text, lists as JSON
and flags as 0/1; PostgreSQL as timestamptz, text[] and boolean. What differs more (a ticket's read in one
statement, the check of its call IDs, bulk import) stays in each backend's rows.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic

from status_api.domain.errors import NotFound, Subject
from status_api.domain.records import (
    Idempotency,
    Incident,
    IncidentUpdate,
    Maintenance,
    MaintenanceUpdate,
    R,
    Ticket,
    Update,
)


@dataclass(frozen=True)
class Codec:
    """How one backend binds and reads the values its columns keep differently."""

    placeholder: str
    moment: Callable[[datetime], object]
    read_moment: Callable[[Any], datetime]
    names: Callable[[Sequence[str]], object]  # services, skipped steps
    read_names: Callable[[Any], tuple[str, ...]]
    flag: Callable[[bool], object]


@dataclass(frozen=True)
class Table(Generic[R]):
    """How one kind of record is read and written; the store's mechanisms are written once over these."""

    subject: Subject
    name: str  # a literal of this module, never input (table names cannot be bound parameters)
    load: Callable[[Any, str, int], R | None]
    write: Callable[[Any, R], None]
    # After a public update: the record's own row only (a ticket's call IDs do not move with an update).
    write_state: Callable[[Any, R], None]
    write_update: Callable[[Any, str, Any], None]


class Rows:
    """The shared statements of one backend: its codec, and its own read and write of a ticket."""

    def __init__(
        self,
        codec: Codec,
        load_ticket: Callable[[Any, str, int], Ticket | None],
        write_ticket: Callable[[Any, Ticket], None],
    ) -> None:
        self._codec = codec
        self.tickets: Table[Ticket] = Table(
            "ticket", "tickets", load_ticket, write_ticket, self.write_ticket_state, self.write_update
        )
        # An incident's or a maintenance's update may move any of its fields: its state is its whole row.
        incident, maintenance = self.write_incident, self.write_maintenance
        self.incidents: Table[Incident] = Table(
            "incident", "incidents", self.load_incident, incident, incident, self.write_incident_update
        )
        self.maintenances: Table[Maintenance] = Table(
            "maintenance",
            "maintenances",
            self.load_maintenance,
            maintenance,
            maintenance,
            self.write_maintenance_update,
        )
        self.tables: dict[type, Table[Any]] = {
            Ticket: self.tickets,
            Incident: self.incidents,
            Maintenance: self.maintenances,
        }

    def run(self, conn: Any, sql: str, params: Sequence[Any] = ()) -> Any:
        if self._codec.placeholder != "?":
            sql = sql.replace("?", self._codec.placeholder)
        return conn.execute(sql, params)

    def moment(self, moment: datetime) -> object:
        return self._codec.moment(moment)

    def _when(self, moment: datetime | None) -> object:
        return self._codec.moment(moment) if moment else None

    def _read_when(self, value: Any) -> datetime | None:
        return self._codec.read_moment(value) if value else None

    # --- tickets ----------------------------------------------------------------------------------------------

    def write_ticket_state(self, conn: Any, ticket: Ticket) -> None:
        """What an update may change: all but the reference, the call IDs and the opening (see domain/store.py)."""
        self.run(
            conn,
            "UPDATE tickets SET step = ?, team = ?, resolved_at = ?, skipped_steps = ?, issue_type = ?,"
            " prioritised = ?, helpdesk_at = ? WHERE reference = ?",
            (
                ticket.step,
                ticket.team,
                self._when(ticket.resolved_at),
                self._codec.names(ticket.skipped_steps),
                ticket.issue_type,
                self._codec.flag(ticket.prioritised),
                self._when(ticket.helpdesk_at),
                ticket.reference,
            ),
        )

    def write_update(self, conn: Any, reference: str, update: Update) -> None:
        self.run(
            conn,
            "INSERT INTO updates (reference, at, text, step, team) VALUES (?, ?, ?, ?, ?)",
            (reference, self._codec.moment(update.at), update.text, update.step, update.team),
        )
        self.run(conn, "UPDATE tickets SET update_count = update_count + 1 WHERE reference = ?", (reference,))

    # --- incidents --------------------------------------------------------------------------------------------

    def load_incident(self, conn: Any, reference: str, recent: int = 0) -> Incident | None:
        """The incident with all its updates (`recent` is for tickets: an incident has a few dozen at most)."""
        row = self.run(
            conn,
            "SELECT title, services, state, started_at, ended_at, impact FROM incidents WHERE reference = ?",
            (reference,),
        ).fetchone()
        if row is None:
            return None
        title, services, state, started_at, ended_at, impact = row
        updates = self.run(
            conn, "SELECT id, at, text, state FROM incident_updates WHERE reference = ? ORDER BY at, id", (reference,)
        ).fetchall()
        tickets = self.run(
            conn, "SELECT ticket FROM incident_tickets WHERE incident = ? ORDER BY ticket", (reference,)
        ).fetchall()
        read = self._codec.read_moment
        return Incident(
            reference=reference,
            title=title,
            services=self._codec.read_names(services),
            state=state,
            started_at=read(started_at),
            ended_at=self._read_when(ended_at),
            impact=impact,
            updates=tuple(
                IncidentUpdate(id=update_id, at=read(at), text=text, state=moved)
                for update_id, at, text, moved in updates
            ),
            tickets=tuple(t for (t,) in tickets),
        )

    def write_incident(self, conn: Any, incident: Incident) -> None:
        self.run(
            conn,
            """INSERT INTO incidents (reference, title, services, state, started_at, ended_at, impact)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (reference) DO UPDATE SET
            title = excluded.title, services = excluded.services, state = excluded.state,
            started_at = excluded.started_at, ended_at = excluded.ended_at, impact = excluded.impact""",
            (
                incident.reference,
                incident.title,
                self._codec.names(incident.services),
                incident.state,
                self._codec.moment(incident.started_at),
                self._when(incident.ended_at),
                incident.impact,
            ),
        )

    def write_incident_update(self, conn: Any, reference: str, update: IncidentUpdate) -> None:
        self.run(
            conn,
            "INSERT INTO incident_updates (reference, at, text, state) VALUES (?, ?, ?, ?)",
            (reference, self._codec.moment(update.at), update.text, update.state),
        )

    def write_link(self, conn: Any, ticket: str, incident: str) -> None:
        self.run(
            conn,
            "INSERT INTO incident_tickets (ticket, incident) VALUES (?, ?)"
            " ON CONFLICT (ticket) DO UPDATE SET incident = excluded.incident",
            (ticket, incident),
        )

    # --- maintenances -----------------------------------------------------------------------------------------

    def load_maintenance(self, conn: Any, reference: str, recent: int = 0) -> Maintenance | None:
        """The maintenance with all its updates (a handful)."""
        row = self.run(
            conn,
            "SELECT title, message, services, starts_at, ends_at, cancelled_at FROM maintenances WHERE reference = ?",
            (reference,),
        ).fetchone()
        if row is None:
            return None
        title, message, services, starts_at, ends_at, cancelled_at = row
        updates = self.run(
            conn,
            "SELECT id, at, text, starts_at, ends_at, cancelled FROM maintenance_updates WHERE reference = ?"
            " ORDER BY at, id",
            (reference,),
        ).fetchall()
        read, maybe = self._codec.read_moment, self._read_when
        return Maintenance(
            reference=reference,
            title=title,
            message=message,
            services=self._codec.read_names(services),
            starts_at=read(starts_at),
            ends_at=read(ends_at),
            cancelled_at=maybe(cancelled_at),
            updates=tuple(
                MaintenanceUpdate(
                    id=update_id, at=read(at), text=text, starts_at=maybe(s), ends_at=maybe(e), cancelled=bool(c)
                )
                for update_id, at, text, s, e, c in updates
            ),
        )

    def write_maintenance(self, conn: Any, maintenance: Maintenance) -> None:
        self.run(
            conn,
            """INSERT INTO maintenances (reference, title, message, services, starts_at, ends_at, cancelled_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (reference) DO UPDATE SET
            title = excluded.title, message = excluded.message, services = excluded.services,
            starts_at = excluded.starts_at, ends_at = excluded.ends_at, cancelled_at = excluded.cancelled_at""",
            (
                maintenance.reference,
                maintenance.title,
                maintenance.message,
                self._codec.names(maintenance.services),
                self._codec.moment(maintenance.starts_at),
                self._codec.moment(maintenance.ends_at),
                self._when(maintenance.cancelled_at),
            ),
        )

    def write_maintenance_update(self, conn: Any, reference: str, update: MaintenanceUpdate) -> None:
        self.run(
            conn,
            "INSERT INTO maintenance_updates (reference, at, text, starts_at, ends_at, cancelled)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                reference,
                self._codec.moment(update.at),
                update.text,
                self._when(update.starts_at),
                self._when(update.ends_at),
                self._codec.flag(update.cancelled),
            ),
        )

    # --- what takes public updates, alike --------------------------------------------------------------------

    def exists(self, conn: Any, table: Table[Any], reference: str) -> bool:
        return self.run(conn, f"SELECT 1 FROM {table.name} WHERE reference = ?", (reference,)).fetchone() is not None

    def write_records(self, conn: Any, incidents: Sequence[Incident], maintenances: Sequence[Maintenance]) -> None:
        """A bulk import's incidents with their updates and links, and its maintenances with their updates."""
        for incident in incidents:
            self.write_incident(conn, incident)
            self.run(conn, "DELETE FROM incident_updates WHERE reference = ?", (incident.reference,))
            for incident_update in incident.updates:
                self.write_incident_update(conn, incident.reference, incident_update)
            self.run(conn, "DELETE FROM incident_tickets WHERE incident = ?", (incident.reference,))
            for ticket_reference in incident.tickets:
                if not self.exists(conn, self.tickets, ticket_reference):
                    raise NotFound("ticket", ticket_reference)
                self.write_link(conn, ticket_reference, incident.reference)
        for maintenance in maintenances:
            self.write_maintenance(conn, maintenance)
            self.run(conn, "DELETE FROM maintenance_updates WHERE reference = ?", (maintenance.reference,))
            for maintenance_update in maintenance.updates:
                self.write_maintenance_update(conn, maintenance.reference, maintenance_update)

    # --- idempotency keys (storage/appending.py applies the rule) ----------------------------------------------

    def seen_key(self, conn: Any, subject: str, reference: str, key: str) -> str | None:
        row = self.run(
            conn,
            "SELECT fingerprint FROM idempotency WHERE subject = ? AND reference = ? AND key = ?",
            (subject, reference, key),
        ).fetchone()
        return None if row is None else str(row[0])

    def keep_key(self, conn: Any, subject: str, reference: str, idempotency: Idempotency) -> None:
        self.run(
            conn,
            "INSERT INTO idempotency (subject, reference, key, fingerprint) VALUES (?, ?, ?, ?)",
            (subject, reference, idempotency.key, idempotency.fingerprint),
        )
