"""A customer's call ID answered: one outcome for the JSON API and the HTML page alike.

This is the one entry point of the lookup's speed-ups (see lookup_cache.py): the reads it makes, the views
it builds and what the doors render of them are kept while nothing they depend on changes.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from status_api.core import Core
from status_api.core.lookup_cache import Entry, LookupCache, expires
from status_api.domain import callid
from status_api.domain.records import Incident
from status_api.views.help import fill
from status_api.views.tickets import TicketView, TicketViews

logger = logging.getLogger("status_api.lookup")


# Made at every lookup: plain slotted classes, three times quicker to make than frozen ones.
@dataclass(slots=True)
class Found:
    view: TicketView
    # Where the doors keep what they render of this answer, for the next lookup of the same call ID.
    entry: Entry


@dataclass(slots=True)
class Unknown:
    message: str


@dataclass(slots=True)
class Malformed:
    message: str


Outcome = Found | Unknown | Malformed


class Lookups:
    def __init__(self, core: Core, cache_size: int = 4096) -> None:
        self.core = core
        self.cache = LookupCache(cache_size)
        self.views = TicketViews(core.kb)
        # The brand's ticket references (RGV-2026-0101), typed where a call ID is asked: they get help of their own.
        prefix = re.escape(core.kb.site.ticket_reference.prefix)
        self._reference = re.compile(rf"\s*{prefix}[\s\-_./]*\d[\d\s\-_./]*", re.IGNORECASE)

    def look_up(self, raw: str) -> Outcome:
        """What a customer's entry gets: the ticket, the one answer for unknown IDs, or what a call ID looks like."""
        parsed = self.parse(raw)
        return parsed if isinstance(parsed, Malformed) else self.answer(parsed)

    def parse(self, raw: str) -> str | Malformed:
        """The call ID in an entry, or the help for an entry that is none; it reads nothing, reveals nothing."""
        kb = self.core.kb
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
        return Malformed(fill(template, description=kb.site.call_id.description, example=kb.site.call_id.example))

    def answer(self, call_id: str) -> Found | Unknown:
        """Synchronous, like the reads it makes (see _answer): a coroutine would only add its own cost."""
        kb = self.core.kb
        # One line per lookup at the debug level only (STATUS_API_LOG_LEVEL=debug): the access log already has
        # each lookup and its status, and a line more would cost more than the rest of a cached lookup.
        entry = self._answer(call_id)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("lookup %s: %s", callid.mask(call_id), entry.view.reference if entry.view else "not found")
        if entry.view is None:
            # One answer whatever the reason, so that it tells nothing about which call IDs exist.
            return Unknown(kb.tracking.result.not_found)
        return Found(entry.view, entry)

    def _answer(self, call_id: str) -> Entry:
        # Point reads of an indexed SQLite file in WAL mode take microseconds and never wait for writers:
        # they run on the event loop, as a hop to a worker thread would cost more than the read.
        store, clock = self.core.store, self.core.clock
        version = store.version()
        entry = self.cache.get(call_id, version, clock)
        if entry is None:
            now = clock()
            ticket = store.by_call_id(call_id)
            incident = store.get(Incident, ticket.incident) if ticket is not None and ticket.incident else None
            view = self.views.view(ticket, now, incident) if ticket is not None else None
            entry = self.cache.put(call_id, Entry(view, version, expires(view, now)))
        return entry
