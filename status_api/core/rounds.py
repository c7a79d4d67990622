"""Work done beside the requests, a round at a time: the mail outbox's sender and the helpdesk inbox's applier.

A round runs in a thread (it talks to the store); the task runs the next one at once when the last found
work, when woken (something was queued), or after POLL seconds otherwise. A round that fails is logged and
the next one tries again: what it claimed comes back to a later round after its lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod

from starlette.concurrency import run_in_threadpool

from status_api.domain.errors import StoreUnavailable

POLL = 1.0


class Rounds(ABC):
    """Subclasses say what a round does (once()) and how their log lines start (`name`)."""

    name = "rounds"

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self._wake = asyncio.Event()
        self._stopping = False

    @abstractmethod
    def once(self) -> bool:
        """One round, in a thread; True when there was something to do."""

    def wake(self) -> None:
        """Something was queued: look now rather than at the next poll."""
        self._wake.set()

    async def stop(self, task: asyncio.Task[None]) -> None:
        """End after the round under way (a thread cannot be cancelled): the store is closed after this."""
        self._stopping = True
        self._wake.set()
        await task

    async def run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                worked = await run_in_threadpool(self.once)
            except asyncio.CancelledError:
                raise
            except StoreUnavailable as error:  # the database away (the requests say so too): next round
                self._logger.warning("%s: database unavailable: %s", self.name, error)
                worked = False
            except Exception:
                self._logger.exception("%s: round failed", self.name)
                worked = False
            if not worked and not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), POLL)
