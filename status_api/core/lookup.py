"""A customer's call ID answered: one outcome for the JSON API and the HTML page alike.

This is the one entry point of the lookup's speed-ups (see lookup_cache.py): the reads it makes, the views
it builds and what the doors render of them are kept while nothing they depend on changes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from kb_build.model import KnowledgeBase
from status_api.core import Core
from status_api.core.lookup_cache import Entry, LookupCache, expires
from status_api.domain import callid
from status_api.domain.records import Incident, Ticket
from status_api.views.help import fill
from status_api.views.tickets import TicketView, TicketViews

logger = logging.getLogger("status_api.lookup")


# Made at every lookup: plain slotted classes, three times quicker to make than frozen ones.
@dataclass(slots=True)
class Found:
    # What the door rendered of the ticket's view (kept for the next lookup of the same call ID).
    rendering: bytes


@dataclass(slots=True)
class Unknown:
    message: str


@dataclass(slots=True)
class Malformed:
    message: str


class Lookups:
    def __init__(self, core: Core, cache_size: int = 4096) -> None:
        self.core = core
        self.cache = LookupCache(cache_size)
        # Each language of the help center, its texts and its views (French: the default, core.kb itself).
        self.languages = core.kb.languages
        self.kbs = {code: core.kb.in_language(code) for code in self.languages}
        self.views = {code: TicketViews(kb) for code, kb in self.kbs.items()}
        # The brand's ticket references (RGV-2026-0101), typed where a call ID is asked: they get help of their own.
        prefix = re.escape(core.kb.site.ticket_reference.prefix)
        self._reference = re.compile(rf"\s*{prefix}[\s\-_./]*\d[\d\s\-_./]*", re.IGNORECASE)

    def parse(self, raw: str, language: str = "fr") -> str | Malformed:
        """The call ID in an entry, or the help for an entry that is none (in `language`); it reads nothing,
        reveals nothing."""
        kb = self.kbs.get(language, self.core.kb)
        call_id = callid.parse(raw, kb.site.call_id)
        if call_id is not None:
            return call_id
        logger.debug("lookup refused: not a call ID")
        texts = kb.tracking.result
        if self._reference.fullmatch(raw):
            # Said of the shape alone, the same whether such a ticket exists or not.
            template = texts.ticket_reference
        else:
            template = texts.invalid_call_id if raw.strip() else texts.missing_call_id
        return self._help(kb, template)

    def not_a_call_id(self, language: str = "fr") -> Malformed:
        """The help for an entry too long to be read at all: no call ID is that long."""
        kb = self.kbs.get(language, self.core.kb)
        return self._help(kb, kb.tracking.result.invalid_call_id)

    @staticmethod
    def _help(kb: KnowledgeBase, template: str) -> Malformed:
        return Malformed(fill(template, description=kb.site.call_id.description, example=kb.site.call_id.example))

    def answer(
        self, call_id: str, kind: str, render: Callable[[TicketView], bytes], language: str = "fr"
    ) -> Found | Unknown:
        """The ticket's view in `language` as door `kind` renders it with `render`, or the one answer for
        unknown IDs. `kind` keys what the cache keeps: it must name the language too ("json:en"), so that
        one language's rendering is never another's answer.

        Synchronous, like the reads it makes: point reads of an indexed SQLite file in WAL mode take
        microseconds and never wait for writers, so they run on the event loop, as a hop to a worker thread
        would cost more than the read.
        """
        store, clock = self.core.store, self.core.clock
        version = store.version()
        entry = self.cache.get(call_id, kind, version, clock)
        if entry is None:
            rendering = self._answer(call_id, kind, render, version, self._read(call_id), language)
        else:
            rendering = entry.renderings.get(kind)
        return self._outcome(call_id, rendering, language)

    async def answer_remote(
        self, call_id: str, kind: str, render: Callable[[TicketView], bytes], language: str = "fr"
    ) -> Found | Unknown:
        """As answer(), for a store across the network: its reads wait in a worker thread, never on the event
        loop; the cache is asked and filled on the loop, as for a local store."""
        version = self.core.store.version()
        entry = self.cache.get(call_id, kind, version, self.core.clock)
        if entry is None:
            read = await run_in_threadpool(self._read, call_id)
            rendering = self._answer(call_id, kind, render, version, read, language)
        else:
            rendering = entry.renderings.get(kind)
        return self._outcome(call_id, rendering, language)

    def _read(self, call_id: str) -> tuple[Ticket | None, Incident | None]:
        store = self.core.store
        ticket = store.by_call_id(call_id)
        incident = store.get(Incident, ticket.incident) if ticket is not None and ticket.incident else None
        return ticket, incident

    def _answer(
        self,
        call_id: str,
        kind: str,
        render: Callable[[TicketView], bytes],
        version: Hashable,
        read: tuple[Ticket | None, Incident | None],
        language: str,
    ) -> bytes | None:
        ticket, incident = read
        now = self.core.clock()
        views = self.views.get(language) or self.views[self.languages[0]]
        view = views.view(ticket, now, incident) if ticket is not None else None
        entry = Entry(view is not None, version, expires(view, now))
        rendering = render(view) if view is not None else None
        self.cache.put(call_id, entry, kind, rendering)
        return rendering

    def _outcome(self, call_id: str, rendering: bytes | None, language: str) -> Found | Unknown:
        # One line per lookup at the debug level only (STATUS_API_LOG_LEVEL=debug): the access log already has
        # each lookup and its status, and a line more would cost more than the rest of a cached lookup.
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("lookup %s: %s", callid.mask(call_id), "found" if rendering is not None else "not found")
        if rendering is None:
            # One answer whatever the reason, so that it tells nothing about which call IDs exist.
            return Unknown(self.kbs.get(language, self.core.kb).tracking.result.not_found)
        return Found(rendering)
