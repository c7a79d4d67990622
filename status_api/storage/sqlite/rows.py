"""Tickets to SQLite rows and back, and bulk import: the statements of this backend alone, with bound parameters
only (those both backends share are in storage/rows.py)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from status_api.domain.errors import CallIdTaken
from status_api.domain.records import Ticket, Update
from status_api.storage.rows import Codec, Rows


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
    call_ids = conn.execute(
        "SELECT call_id FROM call_ids WHERE reference = ? ORDER BY position", (reference,)
    ).fetchall()
    # The latest first through the index, then put back oldest first.
    latest = conn.execute(
        "SELECT at, text, step, team FROM updates WHERE reference = ? ORDER BY at DESC, id DESC LIMIT ?",
        (reference, recent),
    ).fetchall()
    link = conn.execute("SELECT incident FROM incident_tickets WHERE ticket = ?", (reference,)).fetchone()
    updates = tuple(Update(at=_moment(at), text=text, step=s, team=t) for at, text, s, t in latest[::-1])
    return _ticket((reference, *row), [c for (c,) in call_ids], updates, link[0] if link else None)


def _ticket(row: tuple[Any, ...], call_ids: list[str], updates: tuple[Update, ...], incident: str | None) -> Ticket:
    """A ticket from its row (reference first, then the columns load_ticket reads), its call IDs in order and
    its latest updates, oldest first."""
    reference, issue_type, step, team, opened_at, resolved_at, prioritised, skipped, count, synced = row
    return Ticket(
        reference=reference,
        issue_type=issue_type,
        step=step,
        team=team,
        opened_at=_moment(opened_at),
        resolved_at=_moment(resolved_at) if resolved_at else None,
        prioritised=bool(prioritised),
        call_ids=tuple(call_ids),
        skipped_steps=tuple(json.loads(skipped)),
        updates=updates,
        update_count=count,
        incident=incident,
        helpdesk_at=_moment(synced) if synced else None,
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
    *ticket, ids, latest, link = row
    ordered = sorted(json.loads(latest), key=lambda u: (u[1], u[0]))
    updates = tuple(Update(at=_moment(at), text=text, step=s, team=t) for _, at, text, s, t in ordered)
    return _ticket(tuple(ticket), [c for _, c in sorted(json.loads(ids))], updates, link)


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


def _names(names: Sequence[str]) -> str:
    return json.dumps(list(names))


def _read_names(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


ROWS = Rows(Codec("?", timestamp, _moment, _names, _read_names, int), load_ticket, write_ticket)


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
