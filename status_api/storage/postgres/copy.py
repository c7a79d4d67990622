"""Bulk import with COPY: tickets streamed into staging tables, then written in a few statements.

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
)

# Tickets per round of COPY: three COPY statements (one at a time on a connection) per batch, in bounded memory.
_BATCH = 5_000


def copy_tickets(conn: Conn, tickets: Iterable[Ticket | Any]) -> int:
    """Stream the tickets into the staging tables; how many there were."""
    for statement in _STAGING:
        conn.execute(statement.encode())
    count = 0
    batch: list[CopyRows] = []
    for ticket in tickets:
        batch.append(ticket if isinstance(ticket, CopyRows) else copy_rows(ticket))
        if len(batch) == _BATCH:
            _copy_batch(conn, batch, count)
            count += len(batch)
            batch = []
    if batch:
        _copy_batch(conn, batch, count)
        count += len(batch)
    return count


def _copy_batch(conn: Conn, batch: list[CopyRows], first: int) -> None:
    with conn.cursor() as cursor:
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


def first_taken(conn: Conn) -> CallIdTaken | None:
    """The first call ID of the stream that belongs to a ticket the import leaves in place."""
    row = conn.execute(
        b"""SELECT s.call_id, c.reference, s.idx FROM staged_call_ids AS s JOIN call_ids AS c USING (call_id)
        WHERE c.reference <> s.reference
          AND NOT EXISTS (SELECT 1 FROM staged_tickets AS t WHERE t.reference = c.reference)
        ORDER BY s.idx LIMIT 1"""
    ).fetchone()
    return CallIdTaken(row[0], row[1], int(row[2])) if row is not None else None


# The staged tickets as written: a reference given twice in one import keeps its last occurrence, and so
# does a call ID, as when the tickets are written one after the other.
_WRITE = (
    b"CREATE INDEX ON staged_tickets (reference, idx)",
    b"CREATE INDEX ON staged_call_ids (call_id, idx)",
    b"ANALYZE staged_tickets",
    b"ANALYZE staged_call_ids",
    b"ANALYZE staged_updates",
    b"""CREATE TEMPORARY TABLE final_tickets ON COMMIT DROP AS
        SELECT DISTINCT ON (reference) * FROM staged_tickets ORDER BY reference, idx DESC""",
    b"ALTER TABLE final_tickets ADD PRIMARY KEY (reference)",
    b"ANALYZE final_tickets",
    # Their history is replaced: keys that named its updates name nothing any more.
    b"""DELETE FROM idempotency AS i USING final_tickets AS f
        WHERE i.subject = 'ticket' AND i.reference = f.reference""",
    b"DELETE FROM updates AS u USING final_tickets AS f WHERE u.reference = f.reference",
    b"DELETE FROM call_ids AS c USING final_tickets AS f WHERE c.reference = f.reference",
    b"DELETE FROM call_ids AS c USING staged_call_ids AS s WHERE c.call_id = s.call_id",
    b"""INSERT INTO tickets (reference, issue_type, step, team, opened_at, resolved_at, prioritised, skipped_steps,
            update_count, helpdesk_at)
        SELECT reference, issue_type, step, team, opened_at, resolved_at, prioritised, skipped_steps, update_count,
            helpdesk_at
        FROM final_tickets
        ON CONFLICT (reference) DO UPDATE SET
            issue_type = excluded.issue_type, step = excluded.step, team = excluded.team,
            opened_at = excluded.opened_at, resolved_at = excluded.resolved_at,
            prioritised = excluded.prioritised, skipped_steps = excluded.skipped_steps,
            update_count = excluded.update_count, helpdesk_at = excluded.helpdesk_at""",
    b"""INSERT INTO call_ids (call_id, reference, position)
        SELECT DISTINCT ON (s.call_id) s.call_id, s.reference, s.position FROM staged_call_ids AS s
        JOIN final_tickets AS f ON f.reference = s.reference AND f.idx = s.idx ORDER BY s.call_id, s.idx DESC""",
    b"""INSERT INTO updates (reference, at, text, step, team)
        SELECT u.reference, u.at, u.text, u.step, u.team FROM staged_updates AS u
        JOIN final_tickets AS f ON f.reference = u.reference AND f.idx = u.idx ORDER BY u.idx, u.seq""",
)


def write_staged(conn: Conn) -> None:
    """From the staging tables into the store's, in the caller's transaction."""
    for statement in _WRITE:
        conn.execute(statement)
