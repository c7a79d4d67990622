"""Records to SQLite rows and back: the statements of each table, with bound parameters only."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, NamedTuple

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


def timestamp(moment: datetime) -> str:
    # Fixed width in UTC, so that text order is time order: 2026-11-24T12:00:00.000000Z.
    return moment.astimezone(UTC).isoformat(timespec="microseconds").removesuffix("+00:00") + "Z"


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- tickets ---------------------------------------------------------------------------------------------

_UPSERT_TICKET = """INSERT INTO tickets
        (reference, issue_type, step, team, opened_at, resolved_at, prioritised, skipped_steps, helpdesk_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (reference) DO UPDATE SET
            issue_type = excluded.issue_type, step = excluded.step, team = excluded.team,
            opened_at = excluded.opened_at, resolved_at = excluded.resolved_at,
            prioritised = excluded.prioritised, skipped_steps = excluded.skipped_steps,
            helpdesk_at = excluded.helpdesk_at"""
_INSERT_UPDATE = "INSERT INTO updates (reference, at, text, step, team) VALUES (?, ?, ?, ?, ?)"


def load_ticket(conn: sqlite3.Connection, reference: str, recent: int) -> Ticket | None:
    """The ticket with its `recent` latest updates (and the count of all)."""
    row = conn.execute(
        "SELECT issue_type, step, team, opened_at, resolved_at, prioritised, skipped_steps, update_count,"
        " helpdesk_at FROM tickets WHERE reference = ?",
        (reference,),
    ).fetchone()
    if row is None:
        return None
    issue_type, step, team, opened_at, resolved_at, prioritised, skipped_steps, update_count, helpdesk_at = row
    call_ids = conn.execute(
        "SELECT call_id FROM call_ids WHERE reference = ? ORDER BY position", (reference,)
    ).fetchall()
    # The latest first through the index, then put back oldest first.
    latest = conn.execute(
        "SELECT at, text, step, team FROM updates WHERE reference = ? ORDER BY at DESC, id DESC LIMIT ?",
        (reference, recent),
    ).fetchall()
    updates = latest[::-1]
    link = conn.execute("SELECT incident FROM incident_tickets WHERE ticket = ?", (reference,)).fetchone()
    return Ticket(
        reference=reference,
        issue_type=issue_type,
        step=step,
        team=team,
        opened_at=_moment(opened_at),
        resolved_at=_moment(resolved_at) if resolved_at else None,
        prioritised=bool(prioritised),
        call_ids=tuple(c for (c,) in call_ids),
        skipped_steps=tuple(json.loads(skipped_steps)),
        updates=tuple(Update(at=_moment(at), text=text, step=s, team=t) for at, text, s, t in updates),
        update_count=update_count,
        incident=link[0] if link else None,
        helpdesk_at=_moment(helpdesk_at) if helpdesk_at else None,
    )


# A lookup's read in one statement: the ticket, its call IDs, its latest updates and its incident, where five
# statements took three times as long. SQLite 3.40 keeps no order inside an aggregate: ids and positions come
# along, and the few items are put in order here.
_BY_CALL_ID = """SELECT t.reference, t.issue_type, t.step, t.team, t.opened_at, t.resolved_at, t.prioritised,
        t.skipped_steps, t.update_count, t.helpdesk_at,
        (SELECT json_group_array(json_array(position, call_id)) FROM call_ids WHERE reference = t.reference),
        (SELECT json_group_array(json_array(id, at, text, step, team)) FROM (
            SELECT id, at, text, step, team FROM updates WHERE reference = t.reference
            ORDER BY at DESC, id DESC LIMIT ?)),
        (SELECT incident FROM incident_tickets WHERE ticket = t.reference)
    FROM call_ids AS c JOIN tickets AS t ON t.reference = c.reference WHERE c.call_id = ?"""


def find_ticket(conn: sqlite3.Connection, call_id: str, recent: int) -> Ticket | None:
    """The ticket that holds `call_id`, with its `recent` latest updates, in one statement."""
    row = conn.execute(_BY_CALL_ID, (recent, call_id)).fetchone()
    if row is None:
        return None
    reference, issue_type, step, team, opened_at, resolved_at, prioritised, skipped, count, synced, *rest = row
    ids, latest, link = rest
    updates = sorted(json.loads(latest), key=lambda u: (u[1], u[0]))
    return Ticket(
        reference=reference,
        issue_type=issue_type,
        step=step,
        team=team,
        opened_at=_moment(opened_at),
        resolved_at=_moment(resolved_at) if resolved_at else None,
        prioritised=bool(prioritised),
        call_ids=tuple(c for _, c in sorted(json.loads(ids))),
        skipped_steps=tuple(json.loads(skipped)),
        updates=tuple(Update(at=_moment(at), text=text, step=s, team=t) for _, at, text, s, t in updates),
        update_count=count,
        incident=link,
        helpdesk_at=_moment(synced) if synced else None,
    )


def _ticket_row(ticket: Ticket) -> tuple[object, ...]:
    return (
        ticket.reference,
        ticket.issue_type,
        ticket.step,
        ticket.team,
        timestamp(ticket.opened_at),
        timestamp(ticket.resolved_at) if ticket.resolved_at else None,
        int(ticket.prioritised),
        json.dumps(list(ticket.skipped_steps)) if ticket.skipped_steps else "[]",
        timestamp(ticket.helpdesk_at) if ticket.helpdesk_at else None,
    )


def write_ticket(conn: sqlite3.Connection, ticket: Ticket) -> None:
    """The ticket's row and call IDs (its updates and link are left as they are)."""
    for call_id in ticket.call_ids:
        row = conn.execute("SELECT reference FROM call_ids WHERE call_id = ?", (call_id,)).fetchone()
        if row is not None and row[0] != ticket.reference:
            raise CallIdTaken(call_id, row[0])
    conn.execute(_UPSERT_TICKET, _ticket_row(ticket))
    conn.execute("DELETE FROM call_ids WHERE reference = ?", (ticket.reference,))
    conn.executemany(
        "INSERT INTO call_ids (call_id, reference, position) VALUES (?, ?, ?)",
        [(call_id, ticket.reference, position) for position, call_id in enumerate(ticket.call_ids)],
    )


def write_ticket_state(conn: sqlite3.Connection, ticket: Ticket) -> None:
    """What an update may change: all but the reference, the call IDs and the opening (see domain/store.py)."""
    conn.execute(
        "UPDATE tickets SET step = ?, team = ?, resolved_at = ?, skipped_steps = ?, issue_type = ?, prioritised = ?,"
        " helpdesk_at = ? WHERE reference = ?",
        (
            ticket.step,
            ticket.team,
            timestamp(ticket.resolved_at) if ticket.resolved_at else None,
            json.dumps(list(ticket.skipped_steps)),
            ticket.issue_type,
            int(ticket.prioritised),
            timestamp(ticket.helpdesk_at) if ticket.helpdesk_at else None,
            ticket.reference,
        ),
    )


def write_update(conn: sqlite3.Connection, reference: str, update: Update) -> None:
    conn.execute(_INSERT_UPDATE, (reference, timestamp(update.at), update.text, update.step, update.team))
    conn.execute("UPDATE tickets SET update_count = update_count + 1 WHERE reference = ?", (reference,))


# --- incidents -------------------------------------------------------------------------------------------


def load_incident(conn: sqlite3.Connection, reference: str, recent: int = 0) -> Incident | None:
    """The incident with all its updates (`recent` is for tickets: an incident has a few dozen at most)."""
    row = conn.execute(
        "SELECT title, services, state, started_at, ended_at, impact FROM incidents WHERE reference = ?", (reference,)
    ).fetchone()
    if row is None:
        return None
    title, services, state, started_at, ended_at, impact = row
    updates = conn.execute(
        "SELECT id, at, text, state FROM incident_updates WHERE reference = ? ORDER BY at, id", (reference,)
    ).fetchall()
    tickets = conn.execute(
        "SELECT ticket FROM incident_tickets WHERE incident = ? ORDER BY ticket", (reference,)
    ).fetchall()
    return Incident(
        reference=reference,
        title=title,
        services=tuple(json.loads(services)),
        state=state,
        started_at=_moment(started_at),
        ended_at=_moment(ended_at) if ended_at else None,
        impact=impact,
        updates=tuple(
            IncidentUpdate(id=update_id, at=_moment(at), text=text, state=moved)
            for update_id, at, text, moved in updates
        ),
        tickets=tuple(t for (t,) in tickets),
    )


def write_incident(conn: sqlite3.Connection, incident: Incident) -> None:
    conn.execute(
        """INSERT INTO incidents (reference, title, services, state, started_at, ended_at, impact)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (reference) DO UPDATE SET
            title = excluded.title, services = excluded.services, state = excluded.state,
            started_at = excluded.started_at, ended_at = excluded.ended_at, impact = excluded.impact""",
        (
            incident.reference,
            incident.title,
            json.dumps(list(incident.services)),
            incident.state,
            timestamp(incident.started_at),
            timestamp(incident.ended_at) if incident.ended_at else None,
            incident.impact,
        ),
    )


def write_incident_update(conn: sqlite3.Connection, reference: str, update: IncidentUpdate) -> None:
    conn.execute(
        "INSERT INTO incident_updates (reference, at, text, state) VALUES (?, ?, ?, ?)",
        (reference, timestamp(update.at), update.text, update.state),
    )


def write_link(conn: sqlite3.Connection, ticket: str, incident: str) -> None:
    conn.execute(
        "INSERT INTO incident_tickets (ticket, incident) VALUES (?, ?)"
        " ON CONFLICT (ticket) DO UPDATE SET incident = excluded.incident",
        (ticket, incident),
    )


# --- maintenances ----------------------------------------------------------------------------------------


def _maybe(text: str | None) -> datetime | None:
    return _moment(text) if text else None


def load_maintenance(conn: sqlite3.Connection, reference: str, recent: int = 0) -> Maintenance | None:
    """The maintenance with all its updates (a handful)."""
    row = conn.execute(
        "SELECT title, message, services, starts_at, ends_at, cancelled_at FROM maintenances WHERE reference = ?",
        (reference,),
    ).fetchone()
    if row is None:
        return None
    title, message, services, starts_at, ends_at, cancelled_at = row
    updates = conn.execute(
        "SELECT id, at, text, starts_at, ends_at, cancelled FROM maintenance_updates WHERE reference = ?"
        " ORDER BY at, id",
        (reference,),
    ).fetchall()
    return Maintenance(
        reference=reference,
        title=title,
        message=message,
        services=tuple(json.loads(services)),
        starts_at=_moment(starts_at),
        ends_at=_moment(ends_at),
        cancelled_at=_maybe(cancelled_at),
        updates=tuple(
            MaintenanceUpdate(
                id=update_id, at=_moment(at), text=text, starts_at=_maybe(s), ends_at=_maybe(e), cancelled=bool(c)
            )
            for update_id, at, text, s, e, c in updates
        ),
    )


def write_maintenance(conn: sqlite3.Connection, maintenance: Maintenance) -> None:
    conn.execute(
        """INSERT INTO maintenances (reference, title, message, services, starts_at, ends_at, cancelled_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (reference) DO UPDATE SET
            title = excluded.title, message = excluded.message, services = excluded.services,
            starts_at = excluded.starts_at, ends_at = excluded.ends_at, cancelled_at = excluded.cancelled_at""",
        (
            maintenance.reference,
            maintenance.title,
            maintenance.message,
            json.dumps(list(maintenance.services)),
            timestamp(maintenance.starts_at),
            timestamp(maintenance.ends_at),
            timestamp(maintenance.cancelled_at) if maintenance.cancelled_at else None,
        ),
    )


def write_maintenance_update(conn: sqlite3.Connection, reference: str, update: MaintenanceUpdate) -> None:
    conn.execute(
        "INSERT INTO maintenance_updates (reference, at, text, starts_at, ends_at, cancelled)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            reference,
            timestamp(update.at),
            update.text,
            timestamp(update.starts_at) if update.starts_at else None,
            timestamp(update.ends_at) if update.ends_at else None,
            int(update.cancelled),
        ),
    )


# --- what takes public updates, alike -------------------------------------------------------------------


@dataclass(frozen=True)
class Table(Generic[R]):
    """How one kind of record is read and written; the store's mechanisms are written once over these."""

    subject: Subject
    name: str  # a literal of this module, never input (table names cannot be bound parameters)
    load: Callable[[sqlite3.Connection, str, int], R | None]
    write: Callable[[sqlite3.Connection, R], None]
    # After a public update: the record's own row only (a ticket's call IDs do not move with an update).
    write_state: Callable[[sqlite3.Connection, R], None]
    write_update: Callable[[sqlite3.Connection, str, Any], None]


TICKETS: Table[Ticket] = Table("ticket", "tickets", load_ticket, write_ticket, write_ticket_state, write_update)
INCIDENTS: Table[Incident] = Table(
    "incident", "incidents", load_incident, write_incident, write_incident, write_incident_update
)
MAINTENANCES: Table[Maintenance] = Table(
    "maintenance", "maintenances", load_maintenance, write_maintenance, write_maintenance, write_maintenance_update
)
TABLES: dict[type, Table[Any]] = {Ticket: TICKETS, Incident: INCIDENTS, Maintenance: MAINTENANCES}


def exists(conn: sqlite3.Connection, table: Table[Any], reference: str) -> bool:
    return conn.execute(f"SELECT 1 FROM {table.name} WHERE reference = ?", (reference,)).fetchone() is not None


# --- bulk import ------------------------------------------------------------------------------------------

# Statements of many rows at a time: large enough to amortise each statement, small enough to stream.
IMPORT_BATCH = 2_000
_IN_CHUNK = 500


class TicketRows(NamedTuple):
    """A ticket as this store writes it: plain values, quick to send from one process to another (a bulk
    import's workers make them, and the writing process is spared both the work and unpickling models)."""

    reference: str
    ticket: tuple[object, ...]
    call_ids: tuple[str, ...]
    updates: tuple[tuple[object, ...], ...]


def ticket_rows(ticket: Ticket) -> TicketRows:
    updates = tuple((ticket.reference, timestamp(u.at), u.text, u.step, u.team) for u in ticket.updates)
    return TicketRows(ticket.reference, _ticket_row(ticket), tuple(ticket.call_ids), updates)


def batches(rows: Iterable[TicketRows], size: int = IMPORT_BATCH) -> Iterator[list[TicketRows]]:
    batch: list[TicketRows] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def import_batch(conn: sqlite3.Connection, batch: list[TicketRows], first_index: int) -> list[tuple[str, str, int]]:
    """Write a batch of imported tickets; the call IDs it took from tickets outside the batch."""
    references = [(t.reference,) for t in batch]
    conn.executemany("DELETE FROM call_ids WHERE reference = ?", references)
    conn.executemany("DELETE FROM updates WHERE reference = ?", references)
    # Their history is replaced: keys that named its updates name nothing any more.
    conn.executemany("DELETE FROM idempotency WHERE subject = 'ticket' AND reference = ?", references)
    conn.executemany(_UPSERT_TICKET, [t.ticket for t in batch])
    wanted = [(call_id, t.reference, first_index + offset) for offset, t in enumerate(batch) for call_id in t.call_ids]
    owners = _owners(conn, sorted({call_id for call_id, _, _ in wanted}))
    taken = [
        (call_id, owners[call_id], index)
        for call_id, reference, index in wanted
        if owners.get(call_id, reference) != reference
    ]
    conn.executemany(
        """INSERT INTO call_ids (call_id, reference, position) VALUES (?, ?, ?)
        ON CONFLICT (call_id) DO UPDATE SET reference = excluded.reference, position = excluded.position""",
        [(call_id, t.reference, position) for t in batch for position, call_id in enumerate(t.call_ids)],
    )
    conn.executemany(_INSERT_UPDATE, [update for t in batch for update in t.updates])
    conn.executemany(
        "UPDATE tickets SET update_count = ? WHERE reference = ?", [(len(t.updates), t.reference) for t in batch]
    )
    return taken


def _owners(conn: sqlite3.Connection, call_ids: list[str]) -> dict[str, str]:
    """The tickets that hold these call IDs now, asked a few hundred at a time (one query each was a third of
    an import's writing time). The statement holds only placeholders: the values stay bound parameters."""
    owners: dict[str, str] = {}
    for start in range(0, len(call_ids), _IN_CHUNK):
        part = call_ids[start : start + _IN_CHUNK]
        query = f"SELECT call_id, reference FROM call_ids WHERE call_id IN ({', '.join('?' * len(part))})"
        owners.update(conn.execute(query, part).fetchall())
    return owners


# --- idempotency keys (storage/appending.py applies the rule) --------------------------------------------


def seen_key(conn: sqlite3.Connection, subject: str, reference: str, key: str) -> str | None:
    row = conn.execute(
        "SELECT fingerprint FROM idempotency WHERE subject = ? AND reference = ? AND key = ?",
        (subject, reference, key),
    ).fetchone()
    return None if row is None else str(row[0])


def keep_key(conn: sqlite3.Connection, subject: str, reference: str, idempotency: Idempotency) -> None:
    conn.execute(
        "INSERT INTO idempotency (subject, reference, key, fingerprint) VALUES (?, ?, ?, ?)",
        (subject, reference, idempotency.key, idempotency.fingerprint),
    )
