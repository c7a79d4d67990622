"""Where tickets and incidents live: the Store interface the routes use, and its SQLite implementation."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, NamedTuple, Protocol
from urllib.request import pathname2url

from status_api.incidents import Incident, IncidentUpdate
from status_api.tickets import Ticket, Update

# Given the ticket as it is, the ticket after the change and the update to record. It runs inside
# the store's transaction, so that rules depending on the current state see a state nobody else changes.
Change = Callable[[Ticket], tuple[Ticket, Update]]
# The same for incidents: the lifecycle's rules see the state as it is when the update is written.
IncidentChange = Callable[[Incident], tuple[Incident, IncidentUpdate]]
# Given the incident as stored (None: there is none yet), the incident to store.
IncidentBuild = Callable[[Incident | None], Incident]
LinkResult = Literal["linked", "unknown_ticket", "unknown_incident"]


class StoreError(Exception):
    """The store cannot do what was asked; the message says why."""


class StoreUnavailable(StoreError):
    """The database cannot answer now: missing, read-only, full, damaged or locked; callers answer "retry"."""


class StoreBusy(StoreUnavailable):
    """The database is locked by another writer for longer than the wait allowed."""


class CallIdTaken(StoreError):
    def __init__(self, call_id: str, reference: str, index: int | None = None) -> None:
        super().__init__(f"call ID already linked to {reference}")
        self.call_id = call_id
        self.reference = reference
        # In an import, the position of the ticket that asked for the call ID.
        self.index = index


class IdempotencyConflict(StoreError):
    """The Idempotency-Key was used before for a different request."""


class UnknownTicket(StoreError):
    """An imported incident names a ticket that does not exist."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"no ticket {reference}")
        self.reference = reference


@dataclass(frozen=True)
class Added:
    ticket: Ticket
    replayed: bool


@dataclass(frozen=True)
class IncidentAdded:
    incident: Incident
    replayed: bool


class Store(Protocol):
    """What the service needs from a database; a PostgreSQL backend implements the same methods."""

    def version(self) -> Hashable:
        """A token that changes whenever a committed write may change what reads return.

        Lookups keep recent answers while it stays the same; a backend without a cheap way to tell
        returns a new object on every call, and nothing is kept.
        """
        ...

    def by_call_id(self, call_id: str) -> Ticket | None: ...

    def by_reference(self, reference: str) -> Ticket | None: ...

    def put(self, ticket: Ticket) -> bool:
        """Create or replace a ticket and its call IDs, keeping its updates; True when it was created."""
        ...

    def add_update(
        self, reference: str, change: Change, *, idempotency_key: str | None = None, fingerprint: str = ""
    ) -> Added | None:
        """Apply a change and record its update, once per idempotency key; None when there is no such ticket."""
        ...

    def delete(self, reference: str) -> bool: ...

    def import_many(self, tickets: Iterable[Ticket], incidents: Sequence[Incident] = ()) -> int:
        """Create or replace these tickets and incidents with their updates and links, all or none.

        `tickets` may be a stream (a million lines of a file): an exception it raises undoes everything.
        Returns how many tickets were written.
        """
        ...

    def incident(self, reference: str) -> Incident | None: ...

    def incidents(self, since: datetime) -> list[Incident]:
        """The ongoing incidents, and those that ended at `since` or later."""
        ...

    def put_incident(self, reference: str, build: IncidentBuild) -> bool:
        """Create or replace an incident, keeping its updates and tickets; True when it was created."""
        ...

    def add_incident_update(
        self, reference: str, change: IncidentChange, *, idempotency_key: str | None = None, fingerprint: str = ""
    ) -> IncidentAdded | None:
        """Like add_update, for an incident; None when there is no such incident."""
        ...

    def delete_incident(self, reference: str) -> bool: ...

    def link_ticket(self, ticket: str, incident: str) -> LinkResult:
        """Link a ticket to an incident (from any incident it was linked to before)."""
        ...

    def unlink_ticket(self, ticket: str, incident: str) -> bool:
        """False when the ticket was not linked to this incident."""
        ...

    def close(self) -> None: ...


_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE tickets (
            reference TEXT PRIMARY KEY,
            issue_type TEXT NOT NULL,
            step TEXT NOT NULL,
            team TEXT NOT NULL,
            opened_at TEXT NOT NULL,
            resolved_at TEXT,
            prioritised INTEGER NOT NULL,
            skipped_steps TEXT NOT NULL
        ) STRICT""",
        """CREATE TABLE call_ids (
            call_id TEXT PRIMARY KEY,
            reference TEXT NOT NULL REFERENCES tickets (reference) ON DELETE CASCADE,
            position INTEGER NOT NULL
        ) STRICT""",
        "CREATE INDEX call_ids_by_reference ON call_ids (reference, position)",
        """CREATE TABLE updates (
            id INTEGER PRIMARY KEY,
            reference TEXT NOT NULL REFERENCES tickets (reference) ON DELETE CASCADE,
            at TEXT NOT NULL,
            text TEXT,
            step TEXT,
            team TEXT
        ) STRICT""",
        "CREATE INDEX updates_by_reference ON updates (reference, at, id)",
        """CREATE TABLE idempotency_keys (
            reference TEXT NOT NULL REFERENCES tickets (reference) ON DELETE CASCADE,
            key TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            update_id INTEGER NOT NULL REFERENCES updates (id) ON DELETE CASCADE,
            PRIMARY KEY (reference, key)
        ) STRICT""",
    ),
    (
        """CREATE TABLE incidents (
            reference TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            services TEXT NOT NULL,
            state TEXT NOT NULL,
            started_at TEXT NOT NULL,
            ended_at TEXT
        ) STRICT""",
        "CREATE INDEX incidents_by_end ON incidents (ended_at)",
        # AUTOINCREMENT: an id is never given twice, even after a deletion, so feed entry ids stay unique.
        """CREATE TABLE incident_updates (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            reference TEXT NOT NULL REFERENCES incidents (reference) ON DELETE CASCADE,
            at TEXT NOT NULL,
            text TEXT,
            state TEXT
        ) STRICT""",
        "CREATE INDEX incident_updates_by_reference ON incident_updates (reference, at, id)",
        """CREATE TABLE incident_idempotency_keys (
            reference TEXT NOT NULL REFERENCES incidents (reference) ON DELETE CASCADE,
            key TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            update_id INTEGER NOT NULL REFERENCES incident_updates (id) ON DELETE CASCADE,
            PRIMARY KEY (reference, key)
        ) STRICT""",
        # A ticket follows one incident at most; replacing a ticket (an upsert) keeps its link.
        """CREATE TABLE incident_tickets (
            ticket TEXT PRIMARY KEY REFERENCES tickets (reference) ON DELETE CASCADE,
            incident TEXT NOT NULL REFERENCES incidents (reference) ON DELETE CASCADE
        ) STRICT""",
        "CREATE INDEX incident_tickets_by_incident ON incident_tickets (incident)",
    ),
)
SCHEMA_VERSION = len(_MIGRATIONS)
# How long a thread trusts the database's data_version before it asks again (see SQLiteStore.version).
VERSION_INTERVAL = 0.01


def _timestamp(moment: datetime) -> str:
    # Fixed width in UTC, so that text order is time order: 2026-11-24T12:00:00.000000Z.
    return moment.astimezone(UTC).isoformat(timespec="microseconds").removesuffix("+00:00") + "Z"


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


class SQLiteStore:
    """SQLite in WAL mode: a bounded pool of connections, every write one IMMEDIATE transaction."""

    def __init__(self, path: Path, *, timeout: float = 5.0, connections: int = 8) -> None:
        self._path = path
        self._timeout = timeout
        self._writes = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        sqlite3.connect(path).close()  # created here once; later connections never create an empty one in its place
        self._uri = f"file:{pathname2url(str(path.absolute()))}?mode=rw"
        self._pool = _Pool(self._open, connections, timeout)
        # data_version is asked of one connection of its own: values of different connections never compare.
        self._watch: _Pooled | None = None
        self._watch_lock = threading.Lock()
        self._version: tuple[int, int] = (0, 0)
        self._version_at = -VERSION_INTERVAL
        with self._using() as conn:
            # WAL lets lookups read while a write is under way; it is a property of the file, set once.
            conn.execute("PRAGMA journal_mode = WAL")
        self._migrate()

    def _open(self) -> _Pooled:
        file = self._file()
        # Autocommit mode: transactions are opened explicitly below, never implicitly by the module.
        conn = sqlite3.connect(
            self._uri, uri=True, timeout=self._timeout, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        return _Pooled(conn, file, self._pool.generation)

    def _fresh(self, pooled: _Pooled) -> bool:
        # Deleted or replaced under the service, an open connection would read and write a ghost; after an
        # outage, connections opened during it (read-only, say) would stay as they were.
        return pooled.generation == self._pool.generation and pooled.file == self._file()

    @contextmanager
    def _using(self) -> Iterator[sqlite3.Connection]:
        """A connection of the pool for one operation; sqlite3's errors of an outage become the store's."""
        try:
            with _outages():
                pooled = self._pool.acquire(self._fresh)
                try:
                    yield pooled.conn
                finally:
                    self._pool.release(pooled)
        except StoreBusy:
            raise
        except StoreUnavailable:
            self._start_afresh()
            raise

    def _start_afresh(self) -> None:
        # SQLite shares a read-only or damaged state between the connections of a process to one file: close
        # them all, the busy ones at their return.
        self._pool.reset()
        with self._watch_lock:
            if self._watch is not None:
                self._watch.conn.close()
                self._watch = None

    def _file(self) -> tuple[int, int]:
        try:
            stat = os.stat(self._path)
        except OSError as error:
            raise StoreUnavailable(f"{self._path}: {error.strerror}") from None
        return stat.st_dev, stat.st_ino

    def version(self) -> Hashable:
        # data_version moves when another connection, of this process or another, commits; the counter
        # covers this process's own writes at once. Lookups ask at every request, so the database is asked at
        # most once per VERSION_INTERVAL (asking costs tens of µs): another process's write shows at most
        # 10 ms later, which no customer can tell.
        now = time.monotonic()
        if now - self._version_at >= VERSION_INTERVAL:
            self._version = self._data_version()
            self._version_at = now
        return (self._version, self._writes)

    def _data_version(self) -> tuple[int, int]:
        try:
            with self._watch_lock, _outages():
                watch = self._watch
                if watch is None or not self._fresh(watch):
                    if watch is not None:
                        watch.conn.close()
                    watch = self._watch = self._open()
                (data_version,) = watch.conn.execute("PRAGMA data_version").fetchone()
                return (id(watch), data_version)
        except StoreBusy:
            raise
        except StoreUnavailable:
            self._start_afresh()
            raise

    @contextmanager
    def _transaction(self, mode: str) -> Iterator[sqlite3.Connection]:
        with self._using() as conn:
            conn.execute(f"BEGIN {mode}")
            try:
                yield conn
                conn.execute("COMMIT")
                if mode != "DEFERRED":
                    self._writes += 1
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def _migrate(self) -> None:
        with self._transaction("IMMEDIATE") as conn:
            # Read inside the transaction: two processes starting together migrate once.
            version: int = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self._path}: schema version {version} is newer than this program's ({SCHEMA_VERSION})"
                )
            for statements in _MIGRATIONS[version:]:
                for statement in statements:
                    conn.execute(statement)
            # PRAGMA takes no bound parameter; the value is this module's own integer.
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")

    def by_call_id(self, call_id: str) -> Ticket | None:
        with self._transaction("DEFERRED") as conn:
            row = conn.execute("SELECT reference FROM call_ids WHERE call_id = ?", (call_id,)).fetchone()
            return None if row is None else _load(conn, row[0])

    def by_reference(self, reference: str) -> Ticket | None:
        with self._transaction("DEFERRED") as conn:
            return _load(conn, reference)

    def put(self, ticket: Ticket) -> bool:
        with self._transaction("IMMEDIATE") as conn:
            _check_call_ids(conn, [ticket])
            created = conn.execute("SELECT 1 FROM tickets WHERE reference = ?", (ticket.reference,)).fetchone() is None
            _write_ticket(conn, ticket)
            _write_call_ids(conn, ticket)
            return created

    def add_update(
        self, reference: str, change: Change, *, idempotency_key: str | None = None, fingerprint: str = ""
    ) -> Added | None:
        with self._transaction("IMMEDIATE") as conn:
            ticket = _load(conn, reference)
            if ticket is None:
                return None
            if idempotency_key is not None:
                row = conn.execute(
                    "SELECT fingerprint FROM idempotency_keys WHERE reference = ? AND key = ?",
                    (reference, idempotency_key),
                ).fetchone()
                if row is not None:
                    if row[0] != fingerprint:
                        raise IdempotencyConflict(idempotency_key)
                    return Added(ticket, replayed=True)
            changed, update = change(ticket)
            _write_ticket(conn, changed)
            update_id = _write_update(conn, reference, update)
            if idempotency_key is not None:
                conn.execute(
                    "INSERT INTO idempotency_keys (reference, key, fingerprint, update_id) VALUES (?, ?, ?, ?)",
                    (reference, idempotency_key, fingerprint, update_id),
                )
            return Added(changed, replayed=False)

    def delete(self, reference: str) -> bool:
        with self._transaction("IMMEDIATE") as conn:
            # Call IDs, updates and idempotency keys go with it (ON DELETE CASCADE).
            return conn.execute("DELETE FROM tickets WHERE reference = ?", (reference,)).rowcount > 0

    def import_many(self, tickets: Iterable[Ticket | TicketRows], incidents: Sequence[Incident] = ()) -> int:
        """As the protocol says; tickets may also come as their rows, made beforehand (by a bulk import's workers)."""
        count = 0
        # A million call IDs land all over their index: a large page cache keeps that in memory rather than
        # rewriting pages again and again. The setting lasts as long as this connection (an import's process).
        with self._transaction("IMMEDIATE") as conn:
            conn.execute(f"PRAGMA cache_size = -{_IMPORT_CACHE_KIB:d}")
            imported: set[str] = set()
            # Call IDs taken from another ticket: allowed only if that ticket is in the import too (a swap),
            # which is known once every ticket has gone by.
            taken: list[tuple[str, str, int]] = []
            rows = (ticket if isinstance(ticket, TicketRows) else ticket_rows(ticket) for ticket in tickets)
            for batch in _batches(rows, _IMPORT_BATCH):
                taken += _import_batch(conn, batch, count)
                imported.update(ticket.reference for ticket in batch)
                count += len(batch)
            for call_id, owner, index in taken:
                if owner not in imported:
                    raise CallIdTaken(call_id, owner, index)
            for incident in incidents:
                _write_incident(conn, incident)
                conn.execute("DELETE FROM incident_updates WHERE reference = ?", (incident.reference,))
                for incident_update in incident.updates:
                    _write_incident_update(conn, incident.reference, incident_update)
                conn.execute("DELETE FROM incident_tickets WHERE incident = ?", (incident.reference,))
                for ticket_reference in incident.tickets:
                    if not _exists(conn, "tickets", ticket_reference):
                        raise UnknownTicket(ticket_reference)
                    _write_link(conn, ticket_reference, incident.reference)
        return count

    def incident(self, reference: str) -> Incident | None:
        with self._transaction("DEFERRED") as conn:
            return _load_incident(conn, reference)

    def incidents(self, since: datetime) -> list[Incident]:
        with self._transaction("DEFERRED") as conn:
            rows = conn.execute(
                "SELECT reference FROM incidents WHERE ended_at IS NULL OR ended_at >= ?", (_timestamp(since),)
            ).fetchall()
            found = (_load_incident(conn, reference) for (reference,) in rows)
            return [incident for incident in found if incident is not None]

    def put_incident(self, reference: str, build: IncidentBuild) -> bool:
        with self._transaction("IMMEDIATE") as conn:
            current = _load_incident(conn, reference)
            incident = build(current)
            _write_incident(conn, incident)
            if current is None:
                for update in incident.updates:
                    _write_incident_update(conn, reference, update)
            return current is None

    def add_incident_update(
        self, reference: str, change: IncidentChange, *, idempotency_key: str | None = None, fingerprint: str = ""
    ) -> IncidentAdded | None:
        with self._transaction("IMMEDIATE") as conn:
            incident = _load_incident(conn, reference)
            if incident is None:
                return None
            if idempotency_key is not None:
                row = conn.execute(
                    "SELECT fingerprint FROM incident_idempotency_keys WHERE reference = ? AND key = ?",
                    (reference, idempotency_key),
                ).fetchone()
                if row is not None:
                    if row[0] != fingerprint:
                        raise IdempotencyConflict(idempotency_key)
                    return IncidentAdded(incident, replayed=True)
            changed, update = change(incident)
            _write_incident(conn, changed)
            update_id = _write_incident_update(conn, reference, update)
            if idempotency_key is not None:
                conn.execute(
                    "INSERT INTO incident_idempotency_keys (reference, key, fingerprint, update_id)"
                    " VALUES (?, ?, ?, ?)",
                    (reference, idempotency_key, fingerprint, update_id),
                )
            stored = _load_incident(conn, reference)
            assert stored is not None
            return IncidentAdded(stored, replayed=False)

    def delete_incident(self, reference: str) -> bool:
        with self._transaction("IMMEDIATE") as conn:
            # Its updates, keys and links go with it (ON DELETE CASCADE); the tickets stay.
            return conn.execute("DELETE FROM incidents WHERE reference = ?", (reference,)).rowcount > 0

    def link_ticket(self, ticket: str, incident: str) -> LinkResult:
        with self._transaction("IMMEDIATE") as conn:
            if not _exists(conn, "incidents", incident):
                return "unknown_incident"
            if not _exists(conn, "tickets", ticket):
                return "unknown_ticket"
            _write_link(conn, ticket, incident)
            return "linked"

    def unlink_ticket(self, ticket: str, incident: str) -> bool:
        with self._transaction("IMMEDIATE") as conn:
            deleted = conn.execute("DELETE FROM incident_tickets WHERE ticket = ? AND incident = ?", (ticket, incident))
            return deleted.rowcount > 0

    def close(self) -> None:
        self._start_afresh()


@dataclass
class _Pooled:
    conn: sqlite3.Connection
    file: tuple[int, int]  # the file it was opened on (device, inode)
    generation: int


class _Pool:
    """At most `size` connections, each used by one operation at a time and kept for the next.

    The service's worker threads come and go; connections kept per thread stayed open after their thread
    ended, one more file and more memory each time. Here their number is bounded by design.
    """

    def __init__(self, open_: Callable[[], _Pooled], size: int, timeout: float) -> None:
        self._open = open_
        self._size = size
        self._timeout = timeout
        self._idle: list[_Pooled] = []
        self._count = 0
        self._changed = threading.Condition()
        self.generation = 0

    def acquire(self, fresh: Callable[[_Pooled], bool]) -> _Pooled:
        with self._changed:
            while not self._idle and self._count >= self._size:
                if not self._changed.wait(self._timeout):
                    raise StoreBusy(f"no database connection free within {self._timeout:g} s")
            pooled = self._idle.pop() if self._idle else None
            if pooled is None:
                self._count += 1
        if pooled is not None and fresh(pooled):
            return pooled
        if pooled is not None:
            pooled.conn.close()
        try:
            return self._open()
        except BaseException:
            with self._changed:
                self._count -= 1
                self._changed.notify()
            raise

    def release(self, pooled: _Pooled) -> None:
        with self._changed:
            keep = pooled.generation == self.generation and not pooled.conn.in_transaction
            if keep:
                self._idle.append(pooled)
            else:
                self._count -= 1
            self._changed.notify()
        if not keep:
            pooled.conn.close()

    def reset(self) -> None:
        """Close every idle connection; those in use are closed when they come back."""
        with self._changed:
            self.generation += 1
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._changed.notify_all()
        for pooled in idle:
            pooled.conn.close()

    def close(self) -> None:
        self.reset()


@contextmanager
def _outages() -> Iterator[None]:
    """sqlite3's errors for a database that cannot answer now, as the store's: callers answer "retry" and go on."""
    try:
        yield
    except sqlite3.OperationalError as error:
        # The busy timeout has run out: say so, so that callers answer "retry" rather than fail.
        if "locked" in str(error) or "busy" in str(error):
            raise StoreBusy(str(error)) from error
        # Read-only, full, vanished, unreadable: the database cannot answer now, and the service keeps running.
        raise StoreUnavailable(str(error)) from error
    except sqlite3.DatabaseError as error:
        if type(error) is not sqlite3.DatabaseError:  # an integrity error is a bug, not an outage
            raise
        raise StoreUnavailable(str(error)) from error  # not a database, or a damaged one


def _load(conn: sqlite3.Connection, reference: str) -> Ticket | None:
    row = conn.execute(
        "SELECT issue_type, step, team, opened_at, resolved_at, prioritised, skipped_steps"
        " FROM tickets WHERE reference = ?",
        (reference,),
    ).fetchone()
    if row is None:
        return None
    issue_type, step, team, opened_at, resolved_at, prioritised, skipped_steps = row
    call_ids = conn.execute(
        "SELECT call_id FROM call_ids WHERE reference = ? ORDER BY position", (reference,)
    ).fetchall()
    updates = conn.execute(
        "SELECT at, text, step, team FROM updates WHERE reference = ? ORDER BY at, id", (reference,)
    ).fetchall()
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
        incident=link[0] if link else None,
    )


def _check_call_ids(conn: sqlite3.Connection, tickets: Sequence[Ticket]) -> None:
    for ticket in tickets:
        for call_id in ticket.call_ids:
            row = conn.execute("SELECT reference FROM call_ids WHERE call_id = ?", (call_id,)).fetchone()
            if row is not None and row[0] != ticket.reference:
                raise CallIdTaken(call_id, row[0])


# Rows written a statement at a time: large enough to amortise each statement, small enough to stream.
_IMPORT_BATCH = 2_000
_IN_CHUNK = 500
_IMPORT_CACHE_KIB = 256 * 1024
_UPSERT_TICKET = """INSERT INTO tickets
        (reference, issue_type, step, team, opened_at, resolved_at, prioritised, skipped_steps)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (reference) DO UPDATE SET
            issue_type = excluded.issue_type, step = excluded.step, team = excluded.team,
            opened_at = excluded.opened_at, resolved_at = excluded.resolved_at,
            prioritised = excluded.prioritised, skipped_steps = excluded.skipped_steps"""


class TicketRows(NamedTuple):
    """A ticket as the store writes it: plain values, quick to send from one process to another (a bulk
    import's workers make them, and the writing process is spared both the work and unpickling models)."""

    reference: str
    ticket: tuple[object, ...]
    call_ids: tuple[str, ...]
    updates: tuple[tuple[object, ...], ...]


def ticket_rows(ticket: Ticket) -> TicketRows:
    updates = tuple((ticket.reference, _timestamp(u.at), u.text, u.step, u.team) for u in ticket.updates)
    return TicketRows(ticket.reference, _ticket_row(ticket), tuple(ticket.call_ids), updates)


def _batches(rows: Iterable[TicketRows], size: int) -> Iterator[list[TicketRows]]:
    batch: list[TicketRows] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _import_batch(conn: sqlite3.Connection, batch: list[TicketRows], first_index: int) -> list[tuple[str, str, int]]:
    """Write a batch of imported tickets; the call IDs it took from tickets outside the batch."""
    references = [(t.reference,) for t in batch]
    conn.executemany("DELETE FROM call_ids WHERE reference = ?", references)
    conn.executemany("DELETE FROM updates WHERE reference = ?", references)
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
    conn.executemany(
        "INSERT INTO updates (reference, at, text, step, team) VALUES (?, ?, ?, ?, ?)",
        [update for t in batch for update in t.updates],
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


def _ticket_row(ticket: Ticket) -> tuple[object, ...]:
    return (
        ticket.reference,
        ticket.issue_type,
        ticket.step,
        ticket.team,
        _timestamp(ticket.opened_at),
        _timestamp(ticket.resolved_at) if ticket.resolved_at else None,
        int(ticket.prioritised),
        json.dumps(list(ticket.skipped_steps)) if ticket.skipped_steps else "[]",
    )


def _write_ticket(conn: sqlite3.Connection, ticket: Ticket) -> None:
    conn.execute(_UPSERT_TICKET, _ticket_row(ticket))


def _write_call_ids(conn: sqlite3.Connection, ticket: Ticket) -> None:
    conn.execute("DELETE FROM call_ids WHERE reference = ?", (ticket.reference,))
    conn.executemany(
        "INSERT INTO call_ids (call_id, reference, position) VALUES (?, ?, ?)",
        [(call_id, ticket.reference, position) for position, call_id in enumerate(ticket.call_ids)],
    )


def _write_update(conn: sqlite3.Connection, reference: str, update: Update) -> int:
    cursor = conn.execute(
        "INSERT INTO updates (reference, at, text, step, team) VALUES (?, ?, ?, ?, ?)",
        (reference, _timestamp(update.at), update.text, update.step, update.team),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def _exists(conn: sqlite3.Connection, table: Literal["tickets", "incidents"], reference: str) -> bool:
    # The table name is one of two literals of this module, never input: it cannot be a bound parameter.
    return conn.execute(f"SELECT 1 FROM {table} WHERE reference = ?", (reference,)).fetchone() is not None


def _load_incident(conn: sqlite3.Connection, reference: str) -> Incident | None:
    row = conn.execute(
        "SELECT title, services, state, started_at, ended_at FROM incidents WHERE reference = ?", (reference,)
    ).fetchone()
    if row is None:
        return None
    title, services, state, started_at, ended_at = row
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
        updates=tuple(
            IncidentUpdate(id=update_id, at=_moment(at), text=text, state=moved)
            for update_id, at, text, moved in updates
        ),
        tickets=tuple(t for (t,) in tickets),
    )


def _write_incident(conn: sqlite3.Connection, incident: Incident) -> None:
    conn.execute(
        """INSERT INTO incidents (reference, title, services, state, started_at, ended_at)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (reference) DO UPDATE SET
            title = excluded.title, services = excluded.services, state = excluded.state,
            started_at = excluded.started_at, ended_at = excluded.ended_at""",
        (
            incident.reference,
            incident.title,
            json.dumps(list(incident.services)),
            incident.state,
            _timestamp(incident.started_at),
            _timestamp(incident.ended_at) if incident.ended_at else None,
        ),
    )


def _write_incident_update(conn: sqlite3.Connection, reference: str, update: IncidentUpdate) -> int:
    cursor = conn.execute(
        "INSERT INTO incident_updates (reference, at, text, state) VALUES (?, ?, ?, ?)",
        (reference, _timestamp(update.at), update.text, update.state),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def _write_link(conn: sqlite3.Connection, ticket: str, incident: str) -> None:
    conn.execute(
        "INSERT INTO incident_tickets (ticket, incident) VALUES (?, ?)"
        " ON CONFLICT (ticket) DO UPDATE SET incident = excluded.incident",
        (ticket, incident),
    )
