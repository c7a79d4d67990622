"""SQLite connections for one database file: a bounded pool, and sqlite3's outage errors turned into the store's."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from status_api.domain.errors import StoreBusy, StoreUnavailable


@dataclass
class Pooled:
    conn: sqlite3.Connection
    file: tuple[int, int]  # the file it was opened on (device, inode)
    generation: int


class Pool:
    """At most `size` connections, each used by one operation at a time and kept for the next.

    The service's worker threads come and go; connections kept per thread stayed open after their thread
    ended, one more file and more memory each time. Here their number is bounded by design.
    """

    def __init__(self, open_: Callable[[], Pooled], size: int, timeout: float) -> None:
        self._open = open_
        self._size = size
        self._timeout = timeout
        self._idle: list[Pooled] = []
        self._count = 0
        self._changed = threading.Condition()
        self.generation = 0

    def acquire(self, fresh: Callable[[Pooled], bool]) -> Pooled:
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

    def release(self, pooled: Pooled) -> None:
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


@contextmanager
def outages() -> Iterator[None]:
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
