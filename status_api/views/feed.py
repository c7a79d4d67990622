"""The Atom feed of incidents: one entry per public update (the opening included), with ids that never change."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, SubElement, tostring

from kb_build.model import KnowledgeBase
from kb_build.paths import SERVICE
from status_api.domain.records import Incident, IncidentUpdate
from status_api.views.help import fill

ATOM = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 200
# XML 1.0 has no way to write these characters: a text pushed with one must not make the whole feed invalid.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def entry_id(kb: KnowledgeBase, reference: str, update_id: int | None) -> str:
    """A tag: URI (RFC 4151) from the feed_id of incidents.yml, the incident's reference and the update's id.

    The store never reuses an update id, so that an entry keeps its id across restarts and never names another.
    """
    return f"tag:{kb.incidents.feed_id}:etat-du-service/{reference}/{update_id}"


def atom_feed(incidents: Sequence[Incident], kb: KnowledgeBase, now: datetime, base_url: str) -> bytes:
    """The feed, newest entry first; `base_url` is where customers reach the service ("": links from the root)."""
    texts = kb.incidents.texts
    base = base_url.rstrip("/")
    entries = sorted(
        ((incident, update, state) for incident in incidents for update, state in _with_states(incident)),
        key=lambda item: (item[1].at, item[1].id or 0),
        reverse=True,
    )[:MAX_ENTRIES]

    feed = Element("feed", {"xmlns": ATOM, "xml:lang": kb.site.language})
    _text(feed, "id", f"tag:{kb.incidents.feed_id}:etat-du-service")
    _text(feed, "title", fill(texts.feed_title, brand=kb.site.brand))
    _text(feed, "subtitle", texts.feed_subtitle)
    SubElement(feed, "link", rel="self", type="application/atom+xml", href=f"{base}{SERVICE.feed}")
    SubElement(feed, "link", rel="alternate", type="text/html", href=f"{base}{SERVICE.status_page}")
    _text(feed, "updated", _rfc3339(entries[0][1].at if entries else now))
    author = SubElement(feed, "author")
    _text(author, "name", kb.site.brand)  # the company speaks, never a person
    names = {service.id: service.name for service in kb.incidents.services}
    states = {state.id: state.title for state in kb.incidents.states}

    for incident, update, state in entries:
        entry = SubElement(feed, "entry")
        _text(entry, "id", entry_id(kb, incident.reference, update.id))
        _text(entry, "title", fill(texts.entry_title, title=incident.title, state=states.get(state, state)))
        _text(entry, "updated", _rfc3339(update.at))
        _text(entry, "published", _rfc3339(update.at))
        SubElement(
            entry,
            "link",
            rel="alternate",
            type="text/html",
            href=f"{base}{SERVICE.incident_anchor(incident.reference)}",
        )
        for service in incident.services:
            SubElement(entry, "category", term=service, label=_clean(names.get(service, service)))
        lines = [update.text] if update.text else []
        if update.state:
            lines.append(fill(texts.update_state, state=states.get(update.state, update.state)))
        lines.append(f"{texts.services}\u00a0: {', '.join(names.get(s, s) for s in incident.services)}")
        _text(entry, "content", "\n\n".join(lines), type="text")
    body: bytes = tostring(feed, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body


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
