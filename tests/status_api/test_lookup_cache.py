"""Kept lookup answers never outlive a write (of this process at once, of another within 10 ms), nor a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from kb_build.model import KnowledgeBase
from status_api.core.lookup_cache import Entry, LookupCache, expires
from status_api.domain.records import Ticket, Update
from status_api.storage import SQLiteStore
from status_api.storage.sqlite.store import VERSION_INTERVAL
from status_api.views.tickets import ticket_view
from tests.status_api.helpers import AUTH, CALL_ID, NOW


def lookup(client: TestClient) -> dict[str, Any]:
    response = client.post("/api/v1/lookup", json={"call_id": CALL_ID})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_write_through_the_api_shows_at_once(client: TestClient, put_ticket: Callable[..., Any]) -> None:
    put_ticket()
    assert lookup(client)["updates"] == []
    added = client.post("/api/v1/tickets/RGV-1/updates", json={"text": "Analyse en cours."}, headers=AUTH)
    assert added.status_code == 201
    assert [u["text"] for u in lookup(client)["updates"]] == ["Analyse en cours."]


def test_a_write_by_another_connection_shows_within_10_ms(
    client: TestClient, put_ticket: Callable[..., Any], store: SQLiteStore, tmp_path: Path
) -> None:
    put_ticket()
    assert lookup(client)["step"]["id"] == "creation-ticket"
    # Another connection to the same file, as `status-api update` in another process would open.
    other = SQLiteStore(tmp_path / "status.sqlite3")
    try:
        moved = lambda t: (t.model_copy(update={"step": "examen-technique"}), Update(at=NOW))  # noqa: E731
        other.append_update(Ticket, "RGV-1", moved)
    finally:
        other.close()
    # The store asks the database for its version at most once per VERSION_INTERVAL.
    time.sleep(VERSION_INTERVAL)
    assert lookup(client)["step"]["id"] == "examen-technique"


def test_the_html_page_follows_writes_too(client: TestClient, put_ticket: Callable[..., Any]) -> None:
    put_ticket()
    assert "Premier passage" not in client.post("/suivi", data={"call_id": CALL_ID}).text
    client.post("/api/v1/tickets/RGV-1/updates", json={"text": "Premier passage"}, headers=AUTH)
    assert "Premier passage" in client.post("/suivi", data={"call_id": CALL_ID}).text


def test_answers_expire_when_the_window_ends_or_an_update_falls_due(
    kb: KnowledgeBase, store: SQLiteStore, put_ticket: Callable[..., Any]
) -> None:
    put_ticket()
    ticket = store.by_call_id(CALL_ID)
    assert ticket is not None
    view = ticket_view(ticket, kb, NOW, None)
    assert view.window is not None and view.next_update is not None
    deadline = expires(view, NOW)
    assert deadline == min(view.window.end.at, view.next_update.at.at)

    cache = LookupCache(10)
    cache.put(CALL_ID, Entry(True, "v1", deadline), "json", b"{}")
    assert cache.get(CALL_ID, "json", "v1", lambda: NOW) is not None
    assert cache.get(CALL_ID, "json", "v2", lambda: NOW) is None  # the store changed
    cache.put(CALL_ID, Entry(True, "v1", deadline), "json", b"{}")
    assert deadline is not None
    assert cache.get(CALL_ID, "json", "v1", lambda: deadline + timedelta(seconds=1)) is None  # a flag flips


def test_each_door_keeps_its_rendering_of_one_answer() -> None:
    cache = LookupCache(10)
    cache.put(CALL_ID, Entry(True, "v1", None), "json", b"{}")
    # The page's door has not rendered this answer yet: it reads and renders it, beside the JSON.
    assert cache.get(CALL_ID, "html", "v1", lambda: NOW) is None
    cache.put(CALL_ID, Entry(True, "v1", None), "html", b"<p>")
    entry = cache.get(CALL_ID, "json", "v1", lambda: NOW)
    assert entry is not None and entry.renderings == {"json": b"{}", "html": b"<p>"}
    # A newer version of the answer starts afresh: the JSON of the old one is gone.
    cache.put(CALL_ID, Entry(True, "v2", None), "html", b"<p>new")
    assert cache.get(CALL_ID, "json", "v2", lambda: NOW) is None
    assert (cache.hits, cache.misses) == (1, 2)


def test_no_ticket_is_one_answer_for_every_door() -> None:
    cache = LookupCache(10)
    cache.put(CALL_ID, Entry(False, "v1", None))
    assert cache.get(CALL_ID, "html", "v1", lambda: NOW) is not None


def test_the_cache_keeps_a_bounded_number_of_answers() -> None:
    cache = LookupCache(3)
    for number in range(10):
        cache.put(str(number), Entry(False, "v", None))
    assert len(cache) == 3
    assert cache.get("9", "json", "v", lambda: NOW) is not None and cache.get("0", "json", "v", lambda: NOW) is None


def test_a_cache_of_size_zero_keeps_nothing() -> None:
    cache = LookupCache(0)
    cache.put("1", Entry(False, "v", None))
    assert cache.get("1", "json", "v", lambda: NOW) is None and len(cache) == 0


def test_staff_read_the_cache_counts(client: TestClient, put_ticket: Callable[..., Any]) -> None:
    put_ticket()
    assert client.get("/api/v1/stats").status_code == 401
    for _ in range(3):
        lookup(client)
    counts = client.get("/api/v1/stats", headers=AUTH).json()["lookup_cache"]
    assert (counts["hits"], counts["misses"], counts["entries"]) == (2, 1, 1)
    assert counts["capacity"] == 4096
