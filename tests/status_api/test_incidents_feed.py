"""The incidents' Atom feed, read by a real feed parser, and its entry ids kept across a restart of the service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import feedparser
import httpx2
from starlette.testclient import TestClient

from kb_build import load
from kb_build.model import KnowledgeBase
from tests.status_api.helpers import AUTH, DATA, NOW, TOKEN, Server


def _incident(kb: KnowledgeBase, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "SMS retardés",
        "services": [s.id for s in kb.incidents.services[:2]],
        "started_at": (NOW - timedelta(hours=3)).isoformat(),
    }
    return {**body, **overrides}


def _parse(text: str) -> Any:
    feed = feedparser.parse(text)
    assert not feed.bozo, feed.get("bozo_exception")  # well-formed XML, as feed readers expect
    assert feed.version == "atom10"
    return feed


def test_the_feed_is_valid_atom_with_one_entry_per_update(client: TestClient, kb: KnowledgeBase) -> None:
    empty = client.get("/etat-du-service/flux.atom")
    assert empty.status_code == 200
    assert empty.headers["content-type"].startswith("application/atom+xml")
    assert _parse(empty.text).entries == []

    client.put("/api/v1/incidents/INC-1", json=_incident(kb), headers=AUTH)
    moved_to = kb.incidents.states[0].next[0]
    # A control character is refused, saying where (XML could not carry it, and no person types one).
    refused = client.post("/api/v1/incidents/INC-1/updates", json={"text": "plus\x00 rien"}, headers=AUTH)
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "text"
    assert "caractère de contrôle" in refused.json()["error"]["message"]
    text = 'Retards de <b>5 minutes</b> & plus : "nous analysons"'
    client.post("/api/v1/incidents/INC-1/updates", json={"text": text, "state": moved_to}, headers=AUTH)

    feed = _parse(client.get("/etat-du-service/flux.atom").text)
    assert feed.feed.title == kb.incidents.texts.feed_title.replace("{brand}", kb.site.brand)
    assert feed.feed.id == f"tag:{kb.incidents.feed_id}:etat-du-service"
    assert feed.feed.updated_parsed is not None
    assert feed.feed.author == kb.site.brand  # the company, never a person
    assert any(link.rel == "self" and link.href.endswith("/etat-du-service/flux.atom") for link in feed.feed.links)

    newest, opening = feed.entries
    assert newest.id == f"tag:{kb.incidents.feed_id}:etat-du-service/INC-1/2"
    assert opening.id == f"tag:{kb.incidents.feed_id}:etat-du-service/INC-1/1"
    assert newest.title == f"SMS retardés\u00a0: {kb.incident_state(moved_to).title}"
    assert opening.title == f"SMS retardés\u00a0: {kb.incidents.states[0].title}"
    assert newest.updated_parsed > opening.updated_parsed
    assert newest.link.endswith("/etat-du-service#incident-INC-1")
    # Spaced the French way as it came in: « : » gets its no-break space.
    assert 'Retards de <b>5 minutes</b> & plus\u00a0: "nous analysons"' in newest.content[0].value
    assert [tag.term for tag in newest.tags] == [s.id for s in kb.incidents.services[:2]]
    assert {entry.id for entry in feed.entries} == {newest.id, opening.id}


def test_an_incident_older_than_the_history_window_leaves_the_feed(client: TestClient, kb: KnowledgeBase) -> None:
    final = next(s.id for s in kb.incidents.states if s.final)
    days = kb.incidents.history_days
    old = _incident(
        kb,
        state=final,
        started_at=(NOW - timedelta(days=days + 2)).isoformat(),
        ended_at=(NOW - timedelta(days=days + 1)).isoformat(),
    )
    client.put("/api/v1/incidents/INC-OLD", json=old, headers=AUTH)
    assert _parse(client.get("/etat-du-service/flux.atom").text).entries == []


def test_entry_ids_are_stable_across_a_restart(start_server: Callable[..., Server]) -> None:
    kb = load(DATA)
    server = start_server(STATUS_API_TOKEN=TOKEN)
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        assert http.put("/api/v1/incidents/INC-1", json=_incident(kb), headers=AUTH).status_code == 201
        assert http.post("/api/v1/incidents/INC-1/updates", json={"text": "Analyse"}, headers=AUTH).status_code == 201
        before = _parse(http.get("/etat-du-service/flux.atom").text)
    server.stop()

    server = start_server(STATUS_API_TOKEN=TOKEN)  # the same database, a new process
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        after = _parse(http.get("/etat-du-service/flux.atom").text)
        assert [(e.id, e.updated) for e in after.entries] == [(e.id, e.updated) for e in before.entries]
        assert http.post("/api/v1/incidents/INC-1/updates", json={"text": "Suite"}, headers=AUTH).status_code == 201
        grown = _parse(http.get("/etat-du-service/flux.atom").text)
    ids = [e.id for e in grown.entries]
    assert ids[1:] == [e.id for e in before.entries]
    assert len(set(ids)) == 3
