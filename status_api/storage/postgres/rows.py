"""Records to PostgreSQL rows and back: the statements of each table, with bound parameters only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic

import psycopg

from status_api.domain.errors import CallIdTaken, Subject
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

Conn = psycopg.Connection[Any]

# --- tickets ---------------------------------------------------------------------------------------------

UPSERT_TICKET = """INSERT INTO tickets
        (reference, issue_type, step, team, opened_at, resolved_at, prioritised, skipped_steps, helpdesk_at)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
        ON CONFLICT (reference) DO UPDATE SET
            issue_type = excluded.issue_type, step = excluded.step, team = excluded.team,
            opened_at = excluded.opened_at, resolved_at = excluded.resolved_at,
            prioritised = excluded.prioritised, skipped_steps = excluded.skipped_steps,
            helpdesk_at = excluded.helpdesk_at"""

# A lookup's read in one statement: the ticket, its call IDs, its latest updates (oldest first) and its
# incident: one round trip to the database.
_TICKET = """SELECT t.reference, t.issue_type, t.step, t.team, t.opened_at, t.resolved_at, t.prioritised,
        t.skipped_steps, t.update_count, t.helpdesk_at,
        ARRAY(SELECT call_id FROM call_ids WHERE reference = t.reference ORDER BY position),
        (SELECT json_agg(json_build_array(u.at, u.text, u.step, u.team) ORDER BY u.at, u.id) FROM (
            SELECT id, at, text, step, team FROM updates WHERE reference = t.reference
            ORDER BY at DESC, id DESC LIMIT %s) AS u),
        (SELECT incident FROM incident_tickets WHERE ticket = t.reference)
    FROM tickets AS t"""
_BY_CALL_ID = _TICKET + " JOIN call_ids AS c ON c.reference = t.reference WHERE c.call_id = %s"
_BY_REFERENCE = _TICKET + " WHERE t.reference = %s"


def _ticket(row: tuple[Any, ...] | None) -> Ticket | None:
    if row is None:
        return None
    reference, issue_type, step, team, opened_at, resolved_at, prioritised, skipped, count, synced, *rest = row
    ids, latest, link = rest
    return Ticket(
        reference=reference,
        issue_type=issue_type,
        step=step,
        team=team,
        opened_at=opened_at,
        resolved_at=resolved_at,
        prioritised=prioritised,
        call_ids=tuple(ids),
        skipped_steps=tuple(skipped),
        updates=tuple(
            Update(at=datetime.fromisoformat(at), text=text, step=s, team=t) for at, text, s, t in latest or ()
        ),
        update_count=count,
        incident=link,
        helpdesk_at=synced,
    )


def find_ticket(conn: Conn, call_id: str, recent: int) -> Ticket | None:
    """The ticket that holds `call_id`, with its `recent` latest updates, in one statement."""
    return _ticket(conn.execute(_BY_CALL_ID, (recent, call_id)).fetchone())


def load_ticket(conn: Conn, reference: str, recent: int) -> Ticket | None:
    return _ticket(conn.execute(_BY_REFERENCE, (recent, reference)).fetchone())


def ticket_row(ticket: Ticket) -> tuple[object, ...]:
    return (
        ticket.reference,
        ticket.issue_type,
        ticket.step,
        ticket.team,
        ticket.opened_at,
        ticket.resolved_at,
        ticket.prioritised,
        list(ticket.skipped_steps),
        ticket.helpdesk_at,
    )


def write_ticket(conn: Conn, ticket: Ticket) -> None:
    """The ticket's row and call IDs (its updates and link are left as they are)."""
    taken = conn.execute(
        "SELECT call_id, reference FROM call_ids WHERE call_id = ANY(%s) AND reference <> %s",
        (list(ticket.call_ids), ticket.reference),
    ).fetchall()
    if taken:
        owners = dict(taken)
        first = next(call_id for call_id in ticket.call_ids if call_id in owners)
        raise CallIdTaken(first, owners[first])
    conn.execute(UPSERT_TICKET, ticket_row(ticket))
    conn.execute("DELETE FROM call_ids WHERE reference = %s", (ticket.reference,))
    with conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO call_ids (call_id, reference, position) VALUES (%s, %s, %s)",
            [(call_id, ticket.reference, position) for position, call_id in enumerate(ticket.call_ids)],
        )


def write_ticket_state(conn: Conn, ticket: Ticket) -> None:
    """What an update may change: all but the reference, the call IDs and the opening (see domain/store.py)."""
    conn.execute(
        "UPDATE tickets SET step = %s, team = %s, resolved_at = %s, skipped_steps = %s, issue_type = %s,"
        " prioritised = %s, helpdesk_at = %s WHERE reference = %s",
        (
            ticket.step,
            ticket.team,
            ticket.resolved_at,
            list(ticket.skipped_steps),
            ticket.issue_type,
            ticket.prioritised,
            ticket.helpdesk_at,
            ticket.reference,
        ),
    )


def write_update(conn: Conn, reference: str, update: Update) -> None:
    conn.execute(
        "INSERT INTO updates (reference, at, text, step, team) VALUES (%s, %s, %s, %s, %s)",
        (reference, update.at, update.text, update.step, update.team),
    )
    conn.execute("UPDATE tickets SET update_count = update_count + 1 WHERE reference = %s", (reference,))


# --- incidents -------------------------------------------------------------------------------------------


def load_incident(conn: Conn, reference: str, recent: int = 0) -> Incident | None:
    """The incident with all its updates (`recent` is for tickets: an incident has a few dozen at most)."""
    row = conn.execute(
        "SELECT title, services, state, started_at, ended_at, impact FROM incidents WHERE reference = %s",
        (reference,),
    ).fetchone()
    if row is None:
        return None
    title, services, state, started_at, ended_at, impact = row
    updates = conn.execute(
        "SELECT id, at, text, state FROM incident_updates WHERE reference = %s ORDER BY at, id", (reference,)
    ).fetchall()
    tickets = conn.execute(
        "SELECT ticket FROM incident_tickets WHERE incident = %s ORDER BY ticket", (reference,)
    ).fetchall()
    return Incident(
        reference=reference,
        title=title,
        services=tuple(services),
        state=state,
        started_at=started_at,
        ended_at=ended_at,
        impact=impact,
        updates=tuple(
            IncidentUpdate(id=update_id, at=at, text=text, state=moved) for update_id, at, text, moved in updates
        ),
        tickets=tuple(t for (t,) in tickets),
    )


def write_incident(conn: Conn, incident: Incident) -> None:
    conn.execute(
        """INSERT INTO incidents (reference, title, services, state, started_at, ended_at, impact)
        VALUES (%s, %s, %s, %s, %s, %s, %s)
        ON CONFLICT (reference) DO UPDATE SET
            title = excluded.title, services = excluded.services, state = excluded.state,
            started_at = excluded.started_at, ended_at = excluded.ended_at, impact = excluded.impact""",
        (
            incident.reference,
            incident.title,
            list(incident.services),
            incident.state,
            incident.started_at,
            incident.ended_at,
            incident.impact,
        ),
    )


def write_incident_update(conn: Conn, reference: str, update: IncidentUpdate) -> None:
    conn.execute(
        "INSERT INTO incident_updates (reference, at, text, state) VALUES (%s, %s, %s, %s)",
        (reference, update.at, update.text, update.state),
    )


def write_link(conn: Conn, ticket: str, incident: str) -> None:
    conn.execute(
        "INSERT INTO incident_tickets (ticket, incident) VALUES (%s, %s)"
        " ON CONFLICT (ticket) DO UPDATE SET incident = excluded.incident",
        (ticket, incident),
    )


# --- maintenances ----------------------------------------------------------------------------------------


def load_maintenance(conn: Conn, reference: str, recent: int = 0) -> Maintenance | None:
    """The maintenance with all its updates (a handful)."""
    row = conn.execute(
        "SELECT title, message, services, starts_at, ends_at, cancelled_at FROM maintenances WHERE reference = %s",
        (reference,),
    ).fetchone()
    if row is None:
        return None
    title, message, services, starts_at, ends_at, cancelled_at = row
    updates = conn.execute(
        "SELECT id, at, text, starts_at, ends_at, cancelled FROM maintenance_updates WHERE reference = %s"
        " ORDER BY at, id",
        (reference,),
    ).fetchall()
    return Maintenance(
        reference=reference,
        title=title,
        message=message,
        services=tuple(services),
        starts_at=starts_at,
        ends_at=ends_at,
        cancelled_at=cancelled_at,
        updates=tuple(
            MaintenanceUpdate(id=update_id, at=at, text=text, starts_at=s, ends_at=e, cancelled=c)
            for update_id, at, text, s, e, c in updates
        ),
    )


def write_maintenance(conn: Conn, maintenance: Maintenance) -> None:
    conn.execute(
        """INSERT INTO maintenances (reference, title, message, services, starts_at, ends_at, cancelled_at)
        VALUES (%s, %s, %s, %s, %s, %s, %s)
        ON CONFLICT (reference) DO UPDATE SET
            title = excluded.title, message = excluded.message, services = excluded.services,
            starts_at = excluded.starts_at, ends_at = excluded.ends_at, cancelled_at = excluded.cancelled_at""",
        (
            maintenance.reference,
            maintenance.title,
            maintenance.message,
            list(maintenance.services),
            maintenance.starts_at,
            maintenance.ends_at,
            maintenance.cancelled_at,
        ),
    )


def write_maintenance_update(conn: Conn, reference: str, update: MaintenanceUpdate) -> None:
    conn.execute(
        "INSERT INTO maintenance_updates (reference, at, text, starts_at, ends_at, cancelled)"
        " VALUES (%s, %s, %s, %s, %s, %s)",
        (reference, update.at, update.text, update.starts_at, update.ends_at, update.cancelled),
    )


# --- what takes public updates, alike -------------------------------------------------------------------


@dataclass(frozen=True)
class Table(Generic[R]):
    """How one kind of record is read and written; the store's mechanisms are written once over these."""

    subject: Subject
    name: str  # a literal of this module, never input (table names cannot be bound parameters)
    load: Callable[[Conn, str, int], R | None]
    write: Callable[[Conn, R], None]
    write_state: Callable[[Conn, R], None]
    write_update: Callable[[Conn, str, Any], None]


TICKETS: Table[Ticket] = Table("ticket", "tickets", load_ticket, write_ticket, write_ticket_state, write_update)
INCIDENTS: Table[Incident] = Table(
    "incident", "incidents", load_incident, write_incident, write_incident, write_incident_update
)
MAINTENANCES: Table[Maintenance] = Table(
    "maintenance", "maintenances", load_maintenance, write_maintenance, write_maintenance, write_maintenance_update
)
TABLES: dict[type, Table[Any]] = {Ticket: TICKETS, Incident: INCIDENTS, Maintenance: MAINTENANCES}


def exists(conn: Conn, table: Table[Any], reference: str) -> bool:
    query = f"SELECT 1 FROM {table.name} WHERE reference = %s"
    return conn.execute(query.encode(), (reference,)).fetchone() is not None


# --- idempotency keys (storage/appending.py applies the rule) --------------------------------------------


def seen_key(conn: Conn, subject: str, reference: str, key: str) -> str | None:
    row = conn.execute(
        "SELECT fingerprint FROM idempotency WHERE subject = %s AND reference = %s AND key = %s",
        (subject, reference, key),
    ).fetchone()
    return None if row is None else str(row[0])


def keep_key(conn: Conn, subject: str, reference: str, idempotency: Idempotency) -> None:
    conn.execute(
        "INSERT INTO idempotency (subject, reference, key, fingerprint) VALUES (%s, %s, %s, %s)",
        (subject, reference, idempotency.key, idempotency.fingerprint),
    )
