"""Lookup answers released at a steady pace, so that how long one takes tells nothing about the ticket base."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import threading
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kb_build.paths import SERVICE


class SteadyTiming:
    """Holds each lookup's answer until `floor` seconds after the request's body has come in.

    A found ticket costs more work than a miss (its updates, its view, a longer body); with the answer
    released at the same moment either way, that work stays hidden as long as it takes less than the floor.
    The floor counts from the body's end, not from the headers: a client that sends its body late would
    otherwise have spent the floor waiting, and see the work. The wait costs no CPU, only a little latency.
    """

    def __init__(self, app: ASGIApp, *, floor: float, paths: frozenset[str] = SERVICE.lookups) -> None:
        """`paths`: the lookup's doors, each language's tracking form among them (/suivi, /en/suivi)."""
        self.app = app
        self.floor = floor
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        lookup = scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in self.paths
        if not lookup:
            await self.app(scope, receive, send)
            return
        # Until the body is in, an answer (a refused media type, a body too large) depends on the headers alone.
        release = time.monotonic() + self.floor

        async def body_end() -> Message:
            nonlocal release
            message = await receive()
            if message["type"] == "http.request" and not message.get("more_body", False):
                release = time.monotonic() + self.floor
            return message

        async def steady(message: Message) -> None:
            # Refusals of the rate limit and of a foreign form depend on the client alone: they go at once.
            if message["type"] == "http.response.start" and message["status"] not in _UNPADDED:
                await wait_until(release)
            await send(message)

        await self.app(scope, body_end, steady)


_UNPADDED = frozenset({403, 429})


async def wait_until(deadline: float) -> None:
    """Resume at `deadline` (time.monotonic), to within the machine's timer slack.

    asyncio.sleep cannot: the event loop waits in whole milliseconds counted from when the sleep starts, so its
    wake-up keeps the sub-millisecond part of the work done before, which is exactly what must not show.
    """
    if deadline <= time.monotonic():
        return
    loop = asyncio.get_running_loop()
    woken: asyncio.Future[None] = loop.create_future()
    _alarm.set(deadline, loop, woken)
    await woken


def _wake(woken: asyncio.Future[None]) -> None:
    if not woken.done():  # the request may have been cancelled meanwhile
        woken.set_result(None)


class _Alarm:
    """One thread for the whole process: it waits with the precision of the system's timers, then wakes the loop."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def set(self, deadline: float, loop: asyncio.AbstractEventLoop, woken: asyncio.Future[None]) -> None:
        with self._changed:
            heapq.heappush(self._due, (deadline, next(self._order), loop, woken))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="status-api-steady-timing", daemon=True)
                self._thread.start()
            self._changed.notify()

    def _run(self) -> None:
        with self._changed:
            while True:
                if not self._due:
                    self._changed.wait()
                    continue
                remaining = self._due[0][0] - time.monotonic()
                if remaining > 0:
                    self._changed.wait(remaining)
                    continue
                _, _, loop, woken = heapq.heappop(self._due)
                with contextlib.suppress(RuntimeError):  # that loop is closed: nobody is waiting any more
                    loop.call_soon_threadsafe(_wake, woken)


_alarm = _Alarm()
