"""The Atom feed of incidents and planned maintenance: one entry per public update (the opening included), and
for maintenance its start and end, with ids that never change."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, SubElement, tostring

from kb_build.languages import language_root
from kb_build.model import KnowledgeBase
from kb_build.paths import service_of
from kb_build.typography import spaced_colon
from status_api.domain.records import Incident, IncidentUpdate, Maintenance
from status_api.views.help import fill
from status_api.views.maintenances import window_text

ATOM = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 200
# XML 1.0 has no way to write these characters: a text pushed with one must not make the whole feed invalid.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def entry_id(kb: KnowledgeBase, reference: str, update_id: int | None) -> str:
    """A tag: URI (RFC 4151) from the feed_id of incidents.yml, the incident's reference and the update's id.

    The store never reuses an update id, so that an entry keeps its id across restarts and never names another.
    """
    return f"{_tag(kb)}/{reference}/{update_id}"


def _tag(kb: KnowledgeBase) -> str:
    """The feed's own id, each language's apart (its entries are other texts): French keeps the id it always had,
    `tag:<feed_id>:etat-du-service`; English is `tag:<feed_id>:en/etat-du-service`."""
    return f"tag:{kb.incidents.feed_id}:{language_root(kb, kb.language)}etat-du-service"


@dataclass(frozen=True)
class _Entry:
    id: str
    at: datetime
    order: int  # among entries at the same moment: the later-written first
    title: str
    link: str
    services: tuple[str, ...]
    lines: list[str]


def atom_feed(
    incidents: Sequence[Incident],
    kb: KnowledgeBase,
    now: datetime,
    base_url: str,
    maintenances: Sequence[Maintenance] = (),
) -> bytes:
    """The feed, newest entry first; `base_url` is where customers reach the service ("": links from the root)."""
    texts = kb.incidents.texts
    base = base_url.rstrip("/")
    names = {service.id: service.name for service in kb.incidents.services}
    found = [entry for incident in incidents for entry in _incident_entries(incident, kb)]
    found += [entry for maintenance in maintenances for entry in _maintenance_entries(maintenance, kb, now)]
    entries = sorted(found, key=lambda entry: (entry.at, entry.order), reverse=True)[:MAX_ENTRIES]
    # « Services : » with French's no-break space, "Services:" elsewhere.
    label_colon = spaced_colon(kb.language)

    feed = Element("feed", {"xmlns": ATOM, "xml:lang": kb.language})
    _text(feed, "id", _tag(kb))
    _text(feed, "title", fill(texts.feed_title, brand=kb.site.brand))
    _text(feed, "subtitle", texts.feed_subtitle)
    SubElement(feed, "link", rel="self", type="application/atom+xml", href=f"{base}{service_of(kb).feed}")
    SubElement(feed, "link", rel="alternate", type="text/html", href=f"{base}{service_of(kb).status_page}")
    _text(feed, "updated", _rfc3339(entries[0].at if entries else now))
    author = SubElement(feed, "author")
    _text(author, "name", kb.site.brand)  # the company speaks, never a person

    for item in entries:
        entry = SubElement(feed, "entry")
        _text(entry, "id", item.id)
        _text(entry, "title", item.title)
        _text(entry, "updated", _rfc3339(item.at))
        _text(entry, "published", _rfc3339(item.at))
        SubElement(entry, "link", rel="alternate", type="text/html", href=f"{base}{item.link}")
        for service in item.services:
            SubElement(entry, "category", term=service, label=_clean(names.get(service, service)))
        lines = [*item.lines, f"{texts.services}{label_colon} {', '.join(names.get(s, s) for s in item.services)}"]
        _text(entry, "content", "\n\n".join(lines), type="text")
    body: bytes = tostring(feed, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body


def _incident_entries(incident: Incident, kb: KnowledgeBase) -> list[_Entry]:
    texts = kb.incidents.texts
    states = {state.id: state.title for state in kb.incidents.states}
    entries = []
    for update, state in _with_states(incident):
        lines = [update.text] if update.text else []
        if update.state:
            lines.append(fill(texts.update_state, state=states.get(update.state, update.state)))
        entries.append(
            _Entry(
                id=entry_id(kb, incident.reference, update.id),
                at=update.at,
                order=update.id or 0,
                title=fill(texts.entry_title, title=incident.title, state=states.get(state, state)),
                link=service_of(kb).incident_anchor(incident.reference),
                services=incident.services,
                lines=lines,
            )
        )
    return entries


def _maintenance_entries(maintenance: Maintenance, kb: KnowledgeBase, now: datetime) -> list[_Entry]:
    """One entry per update (the announcement first), and one when its window starts and ends, which the clock
    decides: a feed reader learns that it began and ended without anyone posting."""
    texts, phases = kb.incidents.maintenance.texts, kb.incidents.maintenance.phases
    window = window_text(maintenance.starts_at, maintenance.ends_at, kb)

    def entry(suffix: str, at: datetime, order: int, phase_title: str, lines: list[str]) -> _Entry:
        return _Entry(
            id=f"{_tag(kb)}/maintenance/{maintenance.reference}/{suffix}",
            at=at,
            order=order,
            title=fill(texts.entry_title, title=maintenance.title, phase=phase_title),
            link=service_of(kb).maintenance_anchor(maintenance.reference),
            services=maintenance.services,
            lines=lines,
        )

    entries = []
    for number, update in enumerate(maintenance.updates):
        if update.cancelled:
            title = phases.cancelled if maintenance.cancelled_at is not None else phases.completed
            lines = [update.text] if update.text else []
            lines.append(texts.cancelled if maintenance.cancelled_at is not None else window)
        else:
            title = phases.scheduled if update.at < maintenance.starts_at else phases.in_progress
            lines = [update.text or maintenance.message]
            if update.starts_at is not None and update.ends_at is not None:
                lines.append(fill(texts.rescheduled, window=window_text(update.starts_at, update.ends_at, kb)))
            elif number == 0:
                lines.append(window)
        entries.append(entry(str(update.id), update.at, update.id or 0, title, lines))
    ended_early = any(update.cancelled for update in maintenance.updates)
    if maintenance.cancelled_at is None:
        if now >= maintenance.starts_at:
            entries.append(entry("debut", maintenance.starts_at, 0, phases.in_progress, [maintenance.message, window]))
        if now >= maintenance.ends_at and not ended_early:
            entries.append(entry("fin", maintenance.ends_at, 0, phases.completed, [window]))
    return entries


def _with_states(incident: Incident) -> list[tuple[IncidentUpdate, str]]:
    """Each update with the state the incident was in once it was written."""
    result, state = [], incident.state
    for update in incident.updates:
        state = update.state or state
        result.append((update, state))
    return result


def _text(parent: Element, tag: str, text: str, **attributes: str) -> None:
    SubElement(parent, tag, attributes).text = _clean(text)


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
