"""Bulk import with COPY: tickets streamed into staging tables a batch at a time, each written in a few statements.

The lines COPY reads are made by preparer() in a bulk import's worker processes (text format: tab
separated, backslash escapes, \\N for NULL), so that the writing process only sends bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

from status_api.domain.errors import CallIdTaken
from status_api.domain.records import Ticket
from status_api.storage.postgres.rows import Conn

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value: str | None) -> str:
    if value is None:
        return "\\N"
    # Most texts have nothing to escape: four scans in C are far quicker than translate()'s per character.
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_ESCAPES)
    return value


def _moment(value: datetime | None) -> str:
    # Dates are aware (domain Moment): their own offset reads as the same instant in PostgreSQL.
    return "\\N" if value is None else value.isoformat()


def _array(values: Iterable[str]) -> str:
    # An array literal inside a COPY field: each element quoted, its quotes and backslashes escaped.
    quoted = ('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return _text("{" + ",".join(quoted) + "}")


class CopyRows(NamedTuple):
    """A ticket as COPY lines without the position in the stream, which the writing process adds."""

    reference: str
    ticket: str
    call_ids: tuple[str, ...]
    updates: tuple[str, ...]


def copy_rows(ticket: Ticket) -> CopyRows:
    reference = _text(ticket.reference)
    row = "\t".join(
        (
            reference,
            _text(ticket.issue_type),
            _text(ticket.step),
            _text(ticket.team),
            _moment(ticket.opened_at),
            _moment(ticket.resolved_at),
            "t" if ticket.prioritised else "f",
            _array(ticket.skipped_steps),
            str(len(ticket.updates)),
            _moment(ticket.helpdesk_at),
        )
    )
    updates = tuple(
        "\t".join((reference, _moment(u.at), _text(u.text), _text(u.step), _text(u.team))) for u in ticket.updates
    )
    return CopyRows(ticket.reference, row, tuple(_text(c) for c in ticket.call_ids), updates)


_STAGING = (
    """CREATE TEMPORARY TABLE staged_tickets (
        idx bigint NOT NULL, reference text NOT NULL, issue_type text NOT NULL, step text NOT NULL,
        team text NOT NULL, opened_at timestamptz NOT NULL, resolved_at timestamptz, prioritised boolean NOT NULL,
        skipped_steps text[] NOT NULL, update_count integer NOT NULL, helpdesk_at timestamptz) ON COMMIT DROP""",
    """CREATE TEMPORARY TABLE staged_call_ids (
        idx bigint NOT NULL, call_id text NOT NULL, reference text NOT NULL, position integer NOT NULL)
        ON COMMIT DROP""",
    """CREATE TEMPORARY TABLE staged_updates (
        idx bigint NOT NULL, seq integer NOT NULL, reference text NOT NULL, at timestamptz NOT NULL, text text,
        step text, team text) ON COMMIT DROP""",
    # Across batches: every reference the import wrote, and the call IDs it took from a ticket that held them
    # before (allowed only if that ticket is in the import too, a swap, which is known at the end).
    "CREATE TEMPORARY TABLE imported (reference text NOT NULL) ON COMMIT DROP",
    "CREATE TEMPORARY TABLE claimed (call_id text NOT NULL, owner text NOT NULL, idx bigint NOT NULL) ON COMMIT DROP",
)

# Tickets per batch: each is written into the store's tables as soon as it is staged, while the bulk
# import's workers parse the next lines (the writing no longer waits for the whole file on one core).
_BATCH = 5_000


def copy_tickets(conn: Conn, tickets: Iterable[Ticket | Any]) -> int:
    """Stream the tickets into the store's tables, a batch at a time; how many there were. first_taken()
    then says whether the import must be undone."""
    for statement in _STAGING:
        conn.execute(statement.encode())
    count = 0
    batch: list[CopyRows] = []
    for ticket in tickets:
        batch.append(ticket if isinstance(ticket, CopyRows) else copy_rows(ticket))
        if len(batch) == _BATCH:
            _write_batch(conn, batch, count)
            count += len(batch)
            batch = []
    if batch:
        _write_batch(conn, batch, count)
        count += len(batch)
    return count


def _write_batch(conn: Conn, batch: list[CopyRows], first: int) -> None:
    with conn.cursor() as cursor:
        cursor.execute(b"TRUNCATE staged_tickets, staged_call_ids, staged_updates")
        with cursor.copy(b"COPY staged_tickets FROM STDIN") as copy:
            copy.write("".join(f"{first + n}\t{t.ticket}\n" for n, t in enumerate(batch)))
        with cursor.copy(b"COPY staged_call_ids (idx, call_id, reference, position) FROM STDIN") as copy:
            copy.write(
                "".join(
                    f"{first + n}\t{call_id}\t{t.ticket[: t.ticket.index(chr(9))]}\t{p}\n"
                    for n, t in enumerate(batch)
                    for p, call_id in enumerate(t.call_ids)
                )
            )
        with cursor.copy(b"COPY staged_updates FROM STDIN") as copy:
            copy.write(
                "".join(f"{first + n}\t{s}\t{u}\n" for n, t in enumerate(batch) for s, u in enumerate(t.updates))
            )
        for statement in _WRITE:
            cursor.execute(statement)


def first_taken(conn: Conn) -> CallIdTaken | None:
    """The first call ID of the stream that belonged to a ticket the import leaves in place."""
    row = conn.execute(
        b"""SELECT call_id, owner, idx FROM claimed AS c
        WHERE NOT EXISTS (SELECT 1 FROM imported AS i WHERE i.reference = c.owner) ORDER BY idx LIMIT 1"""
    ).fetchone()
    return CallIdTaken(row[0], row[1], int(row[2])) if row is not None else None


# A batch as written: a reference given twice in one import keeps its last occurrence, and so does a call
# ID, as when the tickets are written one after the other. The store's tables are reached through `= ANY` of
# the batch's keys: their indexes, whatever the planner guesses of staging tables it has no statistics of.
_WRITE = (
    b"""DELETE FROM staged_tickets AS s USING staged_tickets AS later
        WHERE later.reference = s.reference AND later.idx > s.idx""",
    b"DELETE FROM staged_call_ids AS c WHERE NOT EXISTS (SELECT 1 FROM staged_tickets AS t WHERE t.idx = c.idx)",
    b"DELETE FROM staged_updates AS u WHERE NOT EXISTS (SELECT 1 FROM staged_tickets AS t WHERE t.idx = u.idx)",
    b"""INSERT INTO claimed (call_id, owner, idx)
        SELECT s.call_id, c.reference, s.idx FROM call_ids AS c JOIN staged_call_ids AS s USING (call_id)
        WHERE c.call_id = ANY(ARRAY(SELECT call_id FROM staged_call_ids)) AND c.reference <> s.reference""",
    b"INSERT INTO imported (reference) SELECT reference FROM staged_tickets",
    # Their history is replaced: keys that named its updates name nothing any more.
    b"""DELETE FROM idempotency
        WHERE subject = 'ticket' AND reference = ANY(ARRAY(SELECT reference FROM staged_tickets))""",
    b"DELETE FROM updates WHERE reference = ANY(ARRAY(SELECT reference FROM staged_tickets))",
    b"DELETE FROM call_ids WHERE reference = ANY(ARRAY(SELECT reference FROM staged_tickets))",
    b"DELETE FROM call_ids WHERE call_id = ANY(ARRAY(SELECT call_id FROM staged_call_ids))",
    b"""INSERT INTO tickets (reference, issue_type, step, team, opened_at, resolved_at, prioritised, skipped_steps,
            update_count, helpdesk_at)
        SELECT reference, issue_type, step, team, opened_at, resolved_at, prioritised, skipped_steps, update_count,
            helpdesk_at
        FROM staged_tickets
        ON CONFLICT (reference) DO UPDATE SET
            issue_type = excluded.issue_type, step = excluded.step, team = excluded.team,
            opened_at = excluded.opened_at, resolved_at = excluded.resolved_at,
            prioritised = excluded.prioritised, skipped_steps = excluded.skipped_steps,
            update_count = excluded.update_count, helpdesk_at = excluded.helpdesk_at""",
    b"""INSERT INTO call_ids (call_id, reference, position)
        SELECT DISTINCT ON (call_id) call_id, reference, position FROM staged_call_ids ORDER BY call_id, idx DESC""",
    b"""INSERT INTO updates (reference, at, text, step, team)
        SELECT reference, at, text, step, team FROM staged_updates ORDER BY idx, seq""",
)
