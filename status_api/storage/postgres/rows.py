"""Tickets to PostgreSQL rows and back: the statements of this backend alone, with bound parameters only (those
both backends share are in storage/rows.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from status_api.domain.errors import CallIdTaken
from status_api.domain.records import Ticket, Update
from status_api.storage.rows import Codec, Rows

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


def _same(value: Any) -> Any:
    return value


ROWS = Rows(Codec("%s", _same, _same, list, tuple, _same), load_ticket, write_ticket)
