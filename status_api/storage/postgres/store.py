"""The PostgreSQL store, for several instances on one database: a pool of connections (psycopg-pool),
every write one transaction holding its record's advisory lock, and a listener that tells each instance
of the others' writes. It implements the domain's Store contract (status_api/domain/store.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any

import psycopg
import psycopg_pool
from psycopg import errors

from status_api.domain.errors import StoreBusy, StoreUnavailable
from status_api.domain.records import Incident, Maintenance, R, Ticket, Vote
from status_api.domain.store import Build, Notify
from status_api.storage import inbox
from status_api.storage.mailing import POSTGRES, MailingStore
from status_api.storage.postgres import rows
from status_api.storage.postgres.copy import copy_rows, copy_tickets, first_taken
from status_api.storage.postgres.listener import CHANNEL, Listener
from status_api.storage.postgres.rows import Conn
from status_api.storage.postgres.schema import migrate
from status_api.storage.records import RecordStore
from status_api.storage.rows import Table

logger = logging.getLogger("status_api.storage")

# Errors that mean "try again shortly": a lock held too long, a deadlock or a serialization failure.
_BUSY = (errors.LockNotAvailable, errors.DeadlockDetected, errors.SerializationFailure, errors.QueryCanceled)
_NOTIFY = f"SELECT pg_notify('{CHANNEL}', '')".encode()
# A million tickets' staging tables and sorts held in memory rather than spilled to temporary files.
_IMPORT_OPTIONS = "-c temp_buffers=512MB -c work_mem=512MB -c maintenance_work_mem=512MB"


def _configure(timeout: float) -> Callable[[Conn], None]:
    def configure(conn: Conn) -> None:
        # Dates come back in UTC, as the SQLite store gives them; a lock waited for too long is "busy".
        conn.execute(b"SET TIME ZONE 'UTC'")
        conn.execute(f"SET lock_timeout = '{int(timeout * 1000):d}ms'".encode())

    return configure


class PostgresStore(RecordStore, MailingStore, inbox.InboxStore):
    _mailing = POSTGRES
    _inbox = inbox.POSTGRES
    _rows = rows.ROWS
    # Reads are a network round trip: callers must not make them on the event loop.
    local = False

    def __init__(
        self, url: str, *, timeout: float = 5.0, connections: int = 8, recent_updates: int = 20, listen: bool = True
    ) -> None:
        self._url = url
        self._timeout = timeout
        self._recent = recent_updates
        self._writes = 0
        self._pool = psycopg_pool.ConnectionPool(
            url,
            min_size=1,
            max_size=connections,
            timeout=timeout,
            kwargs={"autocommit": True, "connect_timeout": max(1, int(timeout))},
            configure=_configure(timeout),
            open=False,
            name="status-api",
        )
        try:
            with outages():
                self._pool.open(wait=True, timeout=timeout)
            with self.connection() as conn:
                migrate(conn, _shown(url))
        except psycopg.Error as error:
            self._pool.close()
            raise StoreUnavailable(str(error).strip()) from error
        except BaseException:
            self._pool.close()
            raise
        self.listener = Listener(url) if listen else None
        if self.listener is not None:
            self.listener.wait_connected(timeout)

    # --- connections --------------------------------------------------------------------------------------

    @contextmanager
    def connection(self) -> Iterator[Conn]:
        """A connection of the pool (autocommit) for one operation; psycopg's outage errors become the store's."""
        try:
            with outages(), self._pool.connection() as conn:
                yield conn
        except StoreUnavailable as error:
            if isinstance(error.__cause__, psycopg_pool.PoolTimeout) and self._all_lent():
                # Every connection is in use by this instance's own requests: the database is up, the service
                # is busy, and the client may retry in a second (not told to wait for an outage to end).
                raise StoreBusy(str(error)) from error
            # Connections kept from before an outage (a restart of the server) are dead: drop them all now
            # rather than one failed request each.
            self._pool.check()
            raise

    def _all_lent(self) -> bool:
        stats = self._pool.get_stats()
        return stats.get("pool_size", 0) >= self._pool.max_size and stats.get("pool_available", 0) == 0

    @contextmanager
    def _write(self, subject: str | None = None, reference: str | None = None) -> Iterator[Conn]:
        """One write transaction, holding the record's lock (writes of one record take turns, on every
        instance); other instances are told at commit."""
        with self.connection() as conn, conn.transaction():
            if reference is not None:
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s), hashtext(%s))", (subject, reference))
            yield conn
            conn.execute(_NOTIFY)
        self._writes += 1

    def _record_write(self, subject: str, reference: str) -> AbstractContextManager[Conn]:
        return self._write(subject, reference)

    def _snapshot(self) -> AbstractContextManager[Conn]:
        return self._read()

    @contextmanager
    def _quiet_write(self) -> Iterator[Conn]:
        """A write transaction other instances are not told of: subscribers and the outbox change no lookup."""
        with self.connection() as conn, conn.transaction():
            yield conn

    def _quiet_read(self) -> AbstractContextManager[Conn]:
        return self.connection()

    @contextmanager
    def _read(self) -> Iterator[Conn]:
        """A transaction of several reads of one snapshot."""
        with self.connection() as conn, conn.transaction():
            conn.execute(b"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield conn

    def version(self) -> Hashable:
        # This instance's writes count at once; the others' when their notification comes (within a few ms).
        if self.listener is None:
            return object()
        return (self.listener.version(), self._writes)

    # --- the contract -------------------------------------------------------------------------------------

    def by_call_id(self, call_id: str) -> Ticket | None:
        with self.connection() as conn:
            return rows.find_ticket(conn, call_id, self._recent)

    def get(self, subject: type[R], reference: str) -> R | None:
        table: Table[R] = self._rows.tables[subject]
        if subject is Ticket:  # one statement: one snapshot
            with self.connection() as conn:
                return table.load(conn, reference, self._recent)
        with self._read() as conn:
            return table.load(conn, reference, self._recent)

    def put(
        self, subject: type[R], reference: str, build: Build[R], *, notify: Notify[R] | None = None
    ) -> tuple[R, bool]:
        try:
            return super().put(subject, reference, build, notify=notify)
        except errors.UniqueViolation:
            # Two tickets claiming one new call ID at the same moment, on two instances: neither saw the
            # other's row before writing, and the second to commit hit the unique index. Tried again, it sees
            # the first one's call ID and is refused as any later claim is (CallIdTaken).
            pass
        try:
            return super().put(subject, reference, build, notify=notify)
        except errors.UniqueViolation as error:
            raise StoreBusy(str(error).strip()) from error

    def preparer(self) -> Callable[[Ticket], object]:
        return copy_rows

    @contextmanager
    def _import_connection(self) -> Iterator[Conn]:
        """A connection of its own for a bulk import: memory for its staging tables and sorts, which the
        pool's connections (and the server) do not need the rest of the time."""
        with outages(), psycopg.connect(self._url, autocommit=True, options=_IMPORT_OPTIONS) as conn:
            _configure(self._timeout)(conn)
            with conn.transaction():
                yield conn
                conn.execute(_NOTIFY)
        self._writes += 1

    def import_many(
        self,
        tickets: Iterable[Ticket | Any],
        incidents: Sequence[Incident] = (),
        maintenances: Sequence[Maintenance] = (),
    ) -> int:
        with self._import_connection() as conn:
            count = copy_tickets(conn, tickets)
            taken = first_taken(conn)
            if taken is not None:
                raise taken
            self._rows.write_records(conn, incidents, maintenances)
        return count

    def add_vote(self, vote: Vote, comment_key: str | None = None) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO votes (page, useful, at, comment, comment_key) VALUES (%s, %s, %s, %s, %s)",
                (vote.page, vote.useful, vote.at, vote.comment, comment_key),
            )

    def add_comment(self, comment_key: str, comment: str, since: datetime) -> str | None:
        # One statement, so that two instances given the same key at once cannot both use it: the second
        # waits for the first's row lock, then finds the key spent. Spent at its first use, in time or not.
        with self._write() as conn:
            found = conn.execute(
                """UPDATE votes SET comment_key = NULL, comment = CASE WHEN at >= %s THEN %s ELSE comment END
                WHERE comment_key = %s RETURNING page, at >= %s""",
                (since, comment, comment_key, since),
            ).fetchone()
        if found is None or not found[1]:
            return None
        page: str = found[0]
        return page

    def votes(self) -> list[Vote]:
        with self.connection() as conn:
            found = conn.execute("SELECT page, useful, at, comment FROM votes ORDER BY at DESC, id DESC").fetchall()
        return [Vote(page=page, useful=useful, at=at, comment=comment) for page, useful, at, comment in found]

    def close(self) -> None:
        if self.listener is not None:
            self.listener.close()
        self._pool.close()


def _shown(url: str) -> str:
    """The URL without its password, for messages."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    return f"postgresql://{info.get('host', '')}:{info.get('port', 5432)}/{info.get('dbname', '')}"


@contextmanager
def outages() -> Iterator[None]:
    """psycopg's errors for a database that cannot answer now, as the store's: callers answer "retry"."""
    try:
        yield
    except psycopg_pool.PoolTimeout as error:
        raise StoreUnavailable(f"no database connection within the timeout: {error}") from error
    except _BUSY as error:
        raise StoreBusy(str(error)) from error
    except (psycopg.OperationalError, psycopg.InterfaceError) as error:
        raise StoreUnavailable(str(error).strip()) from error
