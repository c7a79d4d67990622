"""The SQLite store, for one instance: WAL mode, a bounded pool of connections, every write one IMMEDIATE
transaction. It implements the domain's Store contract (status_api/domain/store.py)."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.request import pathname2url

from status_api.domain.errors import CallIdTaken, StoreBusy, StoreUnavailable
from status_api.domain.records import Incident, Maintenance, R, Ticket, Vote
from status_api.storage import inbox
from status_api.storage.mailing import SQLITE, MailingStore
from status_api.storage.records import RecordStore
from status_api.storage.sqlite import rows
from status_api.storage.sqlite.pool import Pool, Pooled, outages
from status_api.storage.sqlite.schema import migrate

# How long the data_version read is trusted before the database is asked again (see version()).
VERSION_INTERVAL = 0.01
# A million call IDs land all over their index: a large page cache keeps that in memory during an import
# rather than rewriting pages again and again.
_IMPORT_CACHE_KIB = 256 * 1024


class SQLiteStore(RecordStore, MailingStore, inbox.InboxStore):
    _mailing = SQLITE
    _inbox = inbox.SQLITE
    _rows = rows.ROWS
    # Point reads of a local file in WAL mode: cheaper on the event loop than a hop to a thread.
    local = True

    def __init__(self, path: Path, *, timeout: float = 5.0, connections: int = 8, recent_updates: int = 20) -> None:
        self._path = path
        self._recent = recent_updates
        self._timeout = timeout
        self._writes = 0
        # This process's writers queue here, not in SQLite: a writer that finds the file locked sleeps in
        # SQLite's busy handler (1, 2, 5, 10 … 100 ms at a time, never woken early), so 50 concurrent webhook
        # deliveries each waited up to hundreds of ms for a lock held a millisecond. The busy timeout still
        # covers other processes writing to the same file.
        self._writer = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        sqlite3.connect(path).close()  # created here once; later connections never create an empty one in its place
        self._uri = f"file:{pathname2url(str(path.absolute()))}?mode=rw"
        self._pool = Pool(self._open, connections, timeout)
        # data_version is asked of one connection of its own: values of different connections never compare.
        self._watch: Pooled | None = None
        self._watch_lock = threading.Lock()
        self._version: tuple[int, int] = (0, 0)
        self._version_at = -VERSION_INTERVAL
        with self._using() as conn:
            # WAL lets lookups read while a write is under way; it is a property of the file, set once.
            conn.execute("PRAGMA journal_mode = WAL")
        with self._transaction("IMMEDIATE") as conn:
            migrate(conn, str(path))

    # --- connections --------------------------------------------------------------------------------------

    def _open(self) -> Pooled:
        file = self._file()
        # Autocommit mode: transactions are opened explicitly below, never implicitly by the module.
        conn = sqlite3.connect(
            self._uri, uri=True, timeout=self._timeout, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        return Pooled(conn, file, self._pool.generation)

    def _fresh(self, pooled: Pooled) -> bool:
        # Deleted or replaced under the service, an open connection would read and write a ghost; after an
        # outage, connections opened during it (read-only, say) would stay as they were.
        return pooled.generation == self._pool.generation and pooled.file == self._file()

    def _file(self) -> tuple[int, int]:
        try:
            stat = os.stat(self._path)
        except OSError as error:
            raise StoreUnavailable(f"{self._path}: {error.strerror}") from None
        return stat.st_dev, stat.st_ino

    @contextmanager
    def _using(self) -> Iterator[sqlite3.Connection]:
        """A connection of the pool for one operation; sqlite3's errors of an outage become the store's."""
        try:
            with outages():
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

    @contextmanager
    def _transaction(self, mode: str, *, counted: bool = True) -> Iterator[sqlite3.Connection]:
        if mode == "DEFERRED":
            with self._begun(mode, counted) as conn:
                yield conn
            return
        # Taken before a pooled connection, so that waiting writers do not hold the connections readers need.
        if not self._writer.acquire(timeout=self._timeout):
            raise StoreBusy(f"no write possible within {self._timeout:g} s")
        try:
            with self._begun(mode, counted) as conn:
                yield conn
        finally:
            self._writer.release()

    @contextmanager
    def _begun(self, mode: str, counted: bool) -> Iterator[sqlite3.Connection]:
        with self._using() as conn:
            conn.execute(f"BEGIN {mode}")
            try:
                yield conn
                conn.execute("COMMIT")
                if mode != "DEFERRED" and counted:
                    self._writes += 1
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def _record_write(self, subject: str, reference: str) -> AbstractContextManager[sqlite3.Connection]:
        # One writer at a time for the whole file: no lock of its own per record.
        return self._transaction("IMMEDIATE")

    def _snapshot(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._transaction("DEFERRED")

    def _quiet_write(self) -> AbstractContextManager[sqlite3.Connection]:
        # Subscribers and the outbox change no lookup's answer: their writes leave version() alone.
        return self._transaction("IMMEDIATE", counted=False)

    def _quiet_read(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._transaction("DEFERRED")

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
            with self._watch_lock, outages():
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

    # --- the contract -------------------------------------------------------------------------------------

    def by_call_id(self, call_id: str) -> Ticket | None:
        # One statement needs no transaction of its own: it reads one snapshot.
        with self._using() as conn:
            return rows.find_ticket(conn, call_id, self._recent)

    def get(self, subject: type[R], reference: str) -> R | None:
        with self._snapshot() as conn:
            loaded: R | None = self._rows.tables[subject].load(conn, reference, self._recent)
            return loaded

    def preparer(self) -> Callable[[Ticket], object]:
        return rows.ticket_rows

    def import_many(
        self,
        tickets: Iterable[Ticket | Any],
        incidents: Sequence[Incident] = (),
        maintenances: Sequence[Maintenance] = (),
    ) -> int:
        count = 0
        with self._transaction("IMMEDIATE") as conn:
            conn.execute(f"PRAGMA cache_size = -{_IMPORT_CACHE_KIB:d}")
            imported: set[str] = set()
            # Call IDs taken from another ticket: allowed only if that ticket is in the import too (a swap),
            # which is known once every ticket has gone by.
            taken: list[tuple[str, str, int]] = []
            prepared = (t if isinstance(t, rows.TicketRows) else rows.ticket_rows(t) for t in tickets)
            for batch in rows.batches(prepared):
                taken += rows.import_batch(conn, batch, count)
                imported.update(ticket.reference for ticket in batch)
                count += len(batch)
            for call_id, owner, index in taken:
                if owner not in imported:
                    raise CallIdTaken(call_id, owner, index)
            self._rows.write_records(conn, incidents, maintenances)
            conn.execute("PRAGMA cache_size = -2000")  # the pool keeps this connection: back to the default
        return count

    def add_vote(self, vote: Vote, comment_key: str | None = None) -> None:
        with self._transaction("IMMEDIATE") as conn:
            conn.execute(
                "INSERT INTO votes (page, useful, at, comment, comment_key) VALUES (?, ?, ?, ?, ?)",
                (vote.page, int(vote.useful), rows.timestamp(vote.at), vote.comment, comment_key),
            )

    def add_comment(self, comment_key: str, comment: str, since: datetime) -> str | None:
        with self._transaction("IMMEDIATE") as conn:
            found = conn.execute("SELECT id, page, at FROM votes WHERE comment_key = ?", (comment_key,)).fetchone()
            if found is None:
                return None
            vote_id, page, at = found
            # Spent at its first use, in time or not: a key never serves twice.
            conn.execute("UPDATE votes SET comment_key = NULL WHERE id = ?", (vote_id,))
            if at < rows.timestamp(since):
                return None
            conn.execute("UPDATE votes SET comment = ? WHERE id = ?", (comment, vote_id))
            page_voted: str = page
            return page_voted

    def votes(self) -> list[Vote]:
        with self._using() as conn:
            found = conn.execute("SELECT page, useful, at, comment FROM votes ORDER BY at DESC, id DESC").fetchall()
        return [
            Vote(page=page, useful=bool(useful), at=datetime.fromisoformat(at), comment=comment)
            for page, useful, at, comment in found
        ]

    def close(self) -> None:
        self._start_afresh()
