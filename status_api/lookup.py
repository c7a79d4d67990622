"""A customer's call ID answered: the same outcome for the JSON API and the HTML page."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from kb_build.model import KnowledgeBase
from kb_build.paths import FIXED_PAGES, article_page, url_of
from status_api import callid
from status_api.errors import Contact, Help, Link
from status_api.lookup_cache import Entry, LookupCache, expires
from status_api.store import Store
from status_api.views import TicketView, ticket_view

logger = logging.getLogger("status_api.lookup")


LOOKUP_MAX_LENGTH = 200


class LookupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    call_id: str = Field(max_length=LOOKUP_MAX_LENGTH, examples=["2025 0312 1430 1548 7296"])


# Made at every lookup: plain slotted classes, three times quicker to make than frozen ones.
@dataclass(slots=True)
class Found:
    view: TicketView
    # Where the routes keep what they render of this answer, for the next lookup of the same call ID.
    entry: Entry


@dataclass(slots=True)
class NotFound:
    message: str


@dataclass(slots=True)
class Invalid:
    message: str


Outcome = Found | NotFound | Invalid


def look_up(
    raw: str, kb: KnowledgeBase, store: Store, clock: Callable[[], datetime], cache: LookupCache | None = None
) -> Outcome:
    """Synchronous, like the reads it makes (see _answer): a coroutine would only add its own cost."""
    # One line per lookup at the debug level only (STATUS_API_LOG_LEVEL=debug): the access log already has
    # each lookup and its status, and a line more would cost more than the rest of a cached lookup.
    call_id = callid.parse(raw, kb.site.call_id)
    if call_id is None:
        logger.debug("lookup refused: not a call ID")
        texts = kb.tracking.result
        template = texts.invalid_call_id if raw.strip() else texts.missing_call_id
        return Invalid(fill(template, description=kb.site.call_id.description, example=kb.site.call_id.example))
    entry = _answer(call_id, kb, store, clock, cache)
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("lookup %s: %s", callid.mask(call_id), entry.view.reference if entry.view else "not found")
    if entry.view is None:
        # One answer whatever the reason, so that it tells nothing about which call IDs exist.
        return NotFound(kb.tracking.result.not_found)
    return Found(entry.view, entry)


def _answer(
    call_id: str, kb: KnowledgeBase, store: Store, clock: Callable[[], datetime], cache: LookupCache | None
) -> Entry:
    # Point reads of an indexed SQLite file in WAL mode take microseconds and never wait for writers:
    # they run on the event loop, as a hop to a worker thread would cost more than the read.
    version = store.version()
    entry = cache.get(call_id, version, clock) if cache is not None else None
    if entry is None:
        now = clock()
        ticket = store.by_call_id(call_id)
        incident = store.incident(ticket.incident) if ticket is not None and ticket.incident else None
        view = ticket_view(ticket, kb, now, incident) if ticket is not None else None
        entry = Entry(view, version, expires(view, now))
        if cache is not None:
            cache.put(call_id, entry)
    return entry


def help_links(kb: KnowledgeBase) -> Help:
    howto = kb.article(kb.site.call_id.howto_article)
    contact = kb.site.contact
    return Help(
        howto=Link(title=howto.title, url="/" + url_of(article_page(howto.id))),
        contact=Contact(
            title=kb.site.labels.contact_title,
            # The same anchor as the help center's in-page answer links to.
            url="/" + url_of(FIXED_PAGES["communication"]) + "#contact",
            email=contact.email,
            phone=contact.phone,
            hours=contact.hours,
            form_url=contact.url,
        ),
    )


_PLACEHOLDER = re.compile(r"\{(\w*)\}")


def fill(template: str, **values: str) -> str:
    """A tracking.yml text with its {placeholders} filled, as the help center's script fills them."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)
