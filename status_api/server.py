"""How the service is served: one uvicorn process, with limits on what any one client can hold of it."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import errno
import gc
import logging
import resource
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from starlette.types import ASGIApp
from uvicorn import server as uvicorn_server
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

logger = logging.getLogger("status_api.server")

# Files the process keeps for itself beyond client connections: the database and its journal, the site's
# files being sent, logs, the event loop's own.
_RESERVED_FILES = 64
# A warning an attacker can cause (the connection cap reached, no file left) at most this often: sockets held
# on purpose must not flood the log.
_WARN_EVERY = 10.0


class _Throttle:
    """Whether a warning may be logged now: at most once every `_WARN_EVERY` seconds."""

    def __init__(self) -> None:
        self._last = -_WARN_EVERY

    def __call__(self) -> bool:
        now = time.monotonic()
        if now - self._last < _WARN_EVERY:
            return False
        self._last = now
        return True


@dataclass(frozen=True)
class ConnectionLimits:
    """What one client can hold: the size of a request's head, the time to send it and its body, and how many
    connections the server keeps at once. Each has a setting (see config/settings.py) and a default that is safe
    whether the service runs behind a proxy or faces the internet."""

    max_header_bytes: int = 16 * 1024
    header_timeout: float = 10.0
    body_timeout: float = 10.0
    max_connections: int = 1000


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with the limits it lacks.

    httptools buffers a header line until it ends, without bound; nothing times out a request whose head or
    body never finishes; and idle sockets pile up until the process runs out of files. Here a head past
    `max_header_bytes` gets 431, a head or body late past its timeout gets 408, and past `max_connections` the
    connection idle the longest is closed to make room (the new one, when none is idle).
    """

    limits: ClassVar[ConnectionLimits] = ConnectionLimits()
    _may_warn: ClassVar[_Throttle] = _Throttle()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = False  # between the first byte of a request and the end of its headers
        self._head_bytes = 0
        self._busy = False  # a request is under way: received in part, or answered in part
        self._idle_since = time.monotonic()
        self._deadline: asyncio.TimerHandle | None = None
        self._refused = False  # answered without the app: what the parser still finds in this read is dropped

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # A connection that sends nothing at all is a head that never finishes.
        self._arm(self.limits.header_timeout, "headers")
        if len(self.connections) > self.limits.max_connections:
            self._make_room()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        super().data_received(data)
        if self._in_head and self.transport is not None and not self.transport.is_closing():
            # The head is still unfinished after this chunk: count it (a chunk that ends the head is bounded by
            # the transport's read size, so what httptools buffers stays within the limit and one read).
            self._head_bytes += len(data)
            if self._head_bytes > self.limits.max_header_bytes:
                self._too_large()

    def on_message_begin(self) -> None:
        if self._refused:
            return
        super().on_message_begin()
        self._in_head = True
        self._head_bytes = 0
        self._busy = True
        if self._deadline is None:
            self._arm(self.limits.header_timeout, "headers")

    def on_url(self, url: bytes) -> None:
        if not self._refused:
            super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self._refused:
            super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if self._refused:
            return
        self._in_head = False
        self._disarm()
        # A head that came whole in one read was not counted while it arrived: measure what was parsed.
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if size > self.limits.max_header_bytes:
            self._too_large()
            return
        super().on_headers_complete()
        self._arm(self.limits.body_timeout, "body")

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._refused:
            return
        self._disarm()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        self._busy = False
        self._idle_since = time.monotonic()
        super().on_response_complete()

    def _arm(self, seconds: float, what: str) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._timed_out, what)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _timed_out(self, what: str) -> None:
        self._deadline = None
        if self.transport is None or self.transport.is_closing():
            return
        if what == "headers" and not self._busy:
            self.transport.close()  # nothing was asked: nobody to answer
            return
        if self.cycle is not None and self.cycle.response_started:
            self.transport.close()  # the app has begun its answer: no room left for ours
            return
        seconds = self.limits.header_timeout if what == "headers" else self.limits.body_timeout
        logger.info("%s: request %s not complete after %g s, connection closed", self._peer(), what, seconds)
        self._refuse(408, "Request Timeout")

    def _too_large(self) -> None:
        logger.info("%s: request head over %d bytes, refused", self._peer(), self.limits.max_header_bytes)
        self._refuse(431, "Request Header Fields Too Large")

    def _peer(self) -> str:
        return f"{self.client[0]}:{self.client[1]}" if self.client else "?"

    def _refuse(self, status: int, reason: str) -> None:
        """Answer at once, without the app, and close: what the client sent cannot be read further."""
        self._refused = True
        self._in_head = False
        self._disarm()
        if self.cycle is not None and not self.cycle.response_complete:
            # The app may be waiting for the rest of the body: it sees a disconnection, and its answer goes nowhere.
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        body = reason.encode()
        head = f"HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain; charset=utf-8\r\n"
        head += f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
        self.transport.write(head.encode() + body)
        self.transport.close()

    def _make_room(self) -> None:
        # A connection closed here stays in the set until its loss is reported, a turn of the loop later: the
        # connections a burst accepted in one turn must neither pick the same one again nor count it as open.
        live = [c for c in self.connections if c.transport is not None and not c.transport.is_closing()]
        if len(live) <= self.limits.max_connections:
            return
        idle = [c for c in live if isinstance(c, GuardedProtocol) and not c._busy and c is not self]
        if GuardedProtocol._may_warn():
            logger.warning(
                "connection limit reached (%d open, STATUS_API_MAX_CONNECTIONS=%d): closing %s",
                len(live),
                self.limits.max_connections,
                "the connections idle the longest" if idle else "new connections until some end",
            )
        if idle:
            min(idle, key=lambda c: c._idle_since).transport.close()
        else:
            self.transport.close()


# Out of these, accept() fails until the process has closed a file: wait this long before trying again.
_OUT_OF_FILES = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)
_ACCEPT_RETRY = 0.05


class ServingLoop(asyncio.SelectorEventLoop):
    """asyncio's own event loop, whose listening socket survives the process running out of files.

    It is used rather than uvloop, which serves requests out of turn at saturation: it holds a response's write
    for a later turn of the loop while new requests go first (MagicStack/uvloop#631). bench/tail.py measured the
    uniform JSON lookup's p99 at 133.2 ms on uvloop and 42.4 ms on this loop, and the /suivi answer's at 74.9
    and 40.3 ms, at the same throughput (bench/results/tail.md).

    asyncio's accept loop (selector_events._accept_connection, as in Python 3.11) goes on calling accept()
    after EMFILE: up to the backlog (2,048) times a turn, each failure logging a traceback and scheduling one
    more retry, so that a process out of files spends its time logging while customers time out; a retry
    left over after shutdown then fails on the closed socket. Here the first such failure stops the turn,
    says so at most every `_WARN_EVERY` seconds, and listens again a moment later, by when GuardedProtocol has
    closed the connections idle the longest to make room.
    """

    _may_warn = _Throttle()

    def _accept_connection(
        self,
        protocol_factory: Callable[[], asyncio.BaseProtocol],
        sock: Any,
        sslcontext: Any = None,
        server: Any = None,
        backlog: int = 100,
        *timeouts: float,
    ) -> None:
        for _ in range(backlog):
            try:
                conn, address = sock.accept()
                conn.setblocking(False)
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                return  # nothing more waiting
            except OSError as error:
                if error.errno not in _OUT_OF_FILES:
                    raise  # the loop logs it and goes on
                self._pause_accepting(error, protocol_factory, sock, sslcontext, server, backlog, *timeouts)
                return
            accept = self._accept_connection2(  # type: ignore[attr-defined]
                protocol_factory, conn, {"peername": address}, sslcontext, server, *timeouts
            )
            self.create_task(accept)

    def _pause_accepting(self, error: OSError, *serving: Any) -> None:
        sock = serving[1]
        if ServingLoop._may_warn():
            logger.warning("no file left to accept a connection (%s): new connections wait", error.strerror)
        self._remove_reader(sock.fileno())  # type: ignore[attr-defined]
        self.call_later(_ACCEPT_RETRY, self._resume_accepting, *serving)

    def _resume_accepting(self, *serving: Any) -> None:
        sock = serving[1]
        if sock.fileno() != -1:  # not closed meanwhile, by the server's shutdown
            self._start_serving(*serving)  # type: ignore[attr-defined]


def connection_cap(wanted: int) -> int:
    """`wanted`, or fewer when the process may not open that many files (its soft limit is raised first)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = wanted + _RESERVED_FILES
    if soft != resource.RLIM_INFINITY and soft < needed:
        raised = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
        except (ValueError, OSError):
            pass
    room = wanted if soft == resource.RLIM_INFINITY else max(soft - _RESERVED_FILES, 10)
    if wanted > room:
        logger.warning(
            "STATUS_API_MAX_CONNECTIONS=%d is more than this process may open (%d files): %d connections at most",
            wanted,
            soft,
            room,
        )
        return room
    return wanted


class QueryHidden(logging.Filter):
    """The access log's lines without their query strings: a subscription's confirmation and unsubscribe links
    carry their secret there (?jeton=, ?cle=), and whoever reads the log must not be able to use them. Nothing
    else of the service travels in a query that a log reader would need."""

    def filter(self, record: logging.LogRecord) -> bool:
        # uvicorn's line: '%s - "%s %s HTTP/%s" %d' (client, method, path with its query, version, status).
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (args[0], args[1], args[2].partition("?")[0] + "?…", args[3], args[4])
        return True


def _log_config() -> dict[str, Any]:
    """uvicorn's own logging settings, with the access log's lines passed through QueryHidden."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["query_hidden"] = {"()": QueryHidden}
    config["handlers"]["access"].setdefault("filters", []).append("query_hidden")
    return config


def run(
    app: ASGIApp,
    *,
    host: str,
    port: int,
    log_level: str = "info",
    limits: ConnectionLimits = ConnectionLimits(),
    sockets: list[socket.socket] | None = None,
) -> None:
    """Serve `app` until stopped; on `sockets` when given (bound to host and port by the caller, so that a port
    taken is known before anything else starts), else on sockets uvicorn binds itself."""
    import uvicorn

    capped = ConnectionLimits(
        max_header_bytes=limits.max_header_bytes,
        header_timeout=limits.header_timeout,
        body_timeout=limits.body_timeout,
        max_connections=connection_cap(limits.max_connections),
    )

    class Protocol(GuardedProtocol):
        limits = capped

    # What start-up made (the knowledge base, the templates, the app) lives as long as the process: kept out of
    # the collector's full passes, which would otherwise walk it all and pause a busy server for milliseconds.
    gc.collect()
    gc.freeze()
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        # httptools is uvicorn's fast HTTP parser (uvicorn[standard]), here with the limits above.
        http=Protocol,
        loop="status_api.server:ServingLoop",  # a custom loop is named by its factory: see ServingLoop
        log_level=log_level,
        log_config=_log_config(),
        # The client's address is decided by the app alone (status_api.client), from STATUS_API_TRUSTED_PROXIES:
        # uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1 before the app sees the request.
        proxy_headers=False,
    )
    server = _Server(config)
    # uvicorn raises the Ctrl-C it caught again once it has shut down: the end of a run, not an error.
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=sockets)
    if not server.started:
        sys.exit(3)  # uvicorn's own status for a start that failed (the app's lifespan)


class _Server(uvicorn_server.Server):
    """uvicorn's server, which says where it listens on sockets it was given too (it stays silent then, expecting
    a process manager to have said it)."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if sockets is not None and self.started:
            self._log_started_message(sockets)
