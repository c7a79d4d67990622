"""What tells an instance that another one wrote: LISTEN on a connection of its own.

Every committed write notifies CHANNEL (in its transaction, so the notification goes out at commit). The
store's version() is this listener's count of notifications: an answer cached at one count is stale at the
next. While the connection is down nothing can be known, so version() never matches (nothing is cached)
and the listener connects again; a new connection starts a new generation, so that what was cached before
it is dropped too.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Hashable

import psycopg

CHANNEL = "status_api_writes"
# How long a wait for notifications lasts before the connection is checked: a peer that vanished without a
# word (a cable pulled, a host frozen) is found out within HEARTBEAT.
_WAIT = 0.1
HEARTBEAT = 1.0
_RETRY = 0.5

logger = logging.getLogger("status_api.storage")


class Listener:
    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._stop = threading.Event()
        self._generation = 0
        self._seen = 0
        self._connected = threading.Event()
        self._thread = threading.Thread(target=self._run, name="status-api-listen", daemon=True)
        self._thread.start()

    @property
    def application_name(self) -> str:
        """How its backend is named in pg_stat_activity (the tests end it there)."""
        return f"status-api listen {os.getpid()}"

    def version(self) -> Hashable:
        if not self._connected.is_set():
            return object()
        return (self._generation, self._seen)

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except psycopg.Error as error:
                if not self._stop.is_set():
                    logger.warning("notifications lost, the answer cache is dropped until they are back: %s", error)
            finally:
                self._connected.clear()
            self._stop.wait(_RETRY)

    def _listen(self) -> None:
        options = {"autocommit": True, "connect_timeout": 5, "application_name": self.application_name}
        with psycopg.connect(self._conninfo, **options) as conn:  # type: ignore[arg-type]
            conn.execute(f"LISTEN {CHANNEL}".encode())
            self._generation += 1
            self._connected.set()
            checked = time.monotonic()
            while not self._stop.is_set():
                # Notifications that come during the heartbeat wait in psycopg's backlog for this loop.
                for _ in conn.notifies(timeout=_WAIT):
                    self._seen += 1
                if time.monotonic() - checked >= HEARTBEAT:
                    conn.execute(b"SELECT 1")
                    checked = time.monotonic()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
