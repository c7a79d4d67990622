"""Planned maintenance: announced through the API, its phase moving with the clock on the page, the banner's
JSON, the feed and Statuspage's summary; both backends."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import httpx2
import pytest
from markupsafe import escape
from openapi_schema_validator import OAS31Validator
from starlette.testclient import TestClient

from kb_build.model import KnowledgeBase
from status_api.app import create_app
from status_api.config import Settings
from status_api.domain.maintenances import in_banner, phase
from status_api.domain.records import Maintenance
from status_api.domain.store import Store
from tests.status_api.conftest import BOTH_BACKENDS
from tests.status_api.helpers import AUTH, NOW, TOKEN, served_on


@dataclass
class Clock:
    """The app's clock, moved by the test: a maintenance's phase follows it, nothing else changes."""

    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def http(kb: KnowledgeBase, store: Store, clock: Clock) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(token=TOKEN), kb, store, clock=clock)) as client:
        yield client


def body(**overrides: Any) -> dict[str, Any]:
    planned = {
        "title": "Mise à jour du tableau de bord",
        "message": "Le tableau de bord peut être indisponible quelques minutes.",
        "services": ["tableau-de-bord"],
        "starts_at": (NOW + timedelta(hours=30)).isoformat(),
        "ends_at": (NOW + timedelta(hours=31, minutes=30)).isoformat(),
    }
    return {**planned, **overrides}


def _put(http: TestClient, reference: str = "MNT-1", **overrides: Any) -> Any:
    return http.put(f"/api/v1/maintenances/{reference}", json=body(**overrides), headers=AUTH)


def _service_state(http: TestClient, service: str) -> str:
    summary = http.get("/api/v2/summary.json").json()
    return str({c["id"]: c["status"] for c in summary["components"]}[service])


def _page_row(page: str, name: str) -> str:
    row = re.search(rf'<th scope="row">{re.escape(name)}</th>(.*?)</tr>', page, re.S)
    assert row is not None, page
    return row.group(1)


# --- the phase, a pure function of the clock ---------------------------------------------------------


def _maintenance(starts_in: timedelta, length: timedelta = timedelta(hours=1)) -> Maintenance:
    return Maintenance(
        reference="M",
        title="T",
        message="M",
        services=("sms",),
        starts_at=NOW + starts_in,
        ends_at=NOW + starts_in + length,
    )


def test_the_phase_follows_the_clock_and_the_banner_its_lead_time(kb: KnowledgeBase) -> None:
    planned = _maintenance(timedelta(hours=2))
    assert phase(planned, NOW) == "scheduled"
    assert phase(planned, planned.starts_at) == "in_progress"
    assert phase(planned, planned.ends_at - timedelta(microseconds=1)) == "in_progress"
    assert phase(planned, planned.ends_at) == "completed"
    assert phase(planned.model_copy(update={"cancelled_at": NOW}), planned.starts_at) == "cancelled"
    lead = timedelta(hours=kb.incidents.maintenance.banner_lead_hours)
    assert lead > timedelta(0)
    assert in_banner(_maintenance(lead), NOW, kb)
    assert not in_banner(_maintenance(lead + timedelta(minutes=1)), NOW, kb)
    assert in_banner(_maintenance(-timedelta(minutes=5)), NOW, kb)  # under way
    assert not in_banner(_maintenance(-timedelta(hours=2)), NOW, kb)  # over


# --- through the API, the clock moving ----------------------------------------------------------------


@BOTH_BACKENDS
def test_announced_then_in_progress_then_completed_by_the_clock_alone(
    http: TestClient, clock: Clock, kb: KnowledgeBase
) -> None:
    texts, phases = kb.incidents.maintenance.texts, kb.incidents.maintenance.phases
    servicing = kb.service_state(kb.incidents.maintenance.service_state)
    created = _put(http)
    assert created.status_code == 201, created.text
    assert _put(http).status_code == 200  # idempotent: the same body again changes nothing
    assert http.get("/api/v1/maintenances/MNT-1").status_code == 405  # staff read it through the list

    listed = http.get("/api/v1/maintenances").json()
    [upcoming] = listed["upcoming"]
    assert upcoming["phase"] == {"id": "scheduled", "title": phases.scheduled}
    # The window the French way: the same day, so said once.
    assert upcoming["window"] == "Le mercredi 25\u00a0novembre 2026, de 20\u00a0h\u00a000 à 21\u00a0h\u00a030"
    page = http.get("/etat-du-service").text
    assert texts.upcoming_title in page and 'id="maintenance-MNT-1"' in page
    assert html.escape(phases.scheduled) in page
    assert _service_state(http, "tableau-de-bord") == "operational"
    # 30 hours ahead, within the banner's lead time (48 hours in data/incidents.yml).
    assert [m["reference"] for m in http.get("/api/v1/incidents/current").json()["maintenances"]] == ["MNT-1"]

    clock.now = NOW + timedelta(hours=30, minutes=10)
    page = http.get("/etat-du-service").text
    assert servicing.title in _page_row(page, kb.service("tableau-de-bord").name)
    assert html.escape(phases.in_progress) in page
    summary = http.get("/api/v2/summary.json").json()
    assert summary["status"]["indicator"] == "maintenance"
    assert [m["status"] for m in summary["scheduled_maintenances"]] == ["in_progress"]
    assert _service_state(http, "tableau-de-bord") == "under_maintenance"
    [current] = http.get("/api/v1/incidents/current").json()["maintenances"]
    assert current["phase"]["id"] == "in_progress"

    # An incident on the same service is worse than the maintenance: it wins.
    incident = {"title": "Panne", "services": ["tableau-de-bord"], "started_at": clock.now.isoformat()}
    assert http.put("/api/v1/incidents/INC-1", json=incident, headers=AUTH).status_code == 201
    assert _service_state(http, "tableau-de-bord") == "degraded_performance"
    assert http.delete("/api/v1/incidents/INC-1", headers=AUTH).status_code == 204

    clock.now = NOW + timedelta(hours=32)
    listed = http.get("/api/v1/maintenances").json()
    assert listed["upcoming"] == []
    assert [(m["reference"], m["phase"]["id"]) for m in listed["past"]] == [("MNT-1", "completed")]
    page = http.get("/etat-du-service").text
    assert str(escape(texts.no_upcoming)) in page and texts.past_title in page
    assert html.escape(phases.completed) in page
    assert _service_state(http, "tableau-de-bord") == "operational"
    assert http.get("/api/v2/summary.json").json()["scheduled_maintenances"] == []
    assert http.get("/api/v1/incidents/current").json()["maintenances"] == []

    # The feed: its announcement, then its start and its end, which nobody posted.
    feed = feedparser.parse(http.get("/etat-du-service/flux.atom").text)
    assert not feed.bozo
    tag = f"tag:{kb.incidents.feed_id}:etat-du-service/maintenance/MNT-1"
    assert [e.id for e in feed.entries] == [f"{tag}/fin", f"{tag}/debut", f"{tag}/1"]
    assert [e.title.rsplit("\u00a0: ", 1)[1] for e in feed.entries] == [
        phases.completed,
        phases.in_progress,
        phases.scheduled,
    ]
    assert all(e.link.endswith("/etat-du-service#maintenance-MNT-1") for e in feed.entries)
    assert "Le tableau de bord peut être indisponible" in feed.entries[2].content[0].value


@BOTH_BACKENDS
def test_reschedule_cancel_and_replays(http: TestClient, clock: Clock, kb: KnowledgeBase) -> None:
    assert _put(http).status_code == 201
    later = {
        "starts_at": (NOW + timedelta(days=3)).isoformat(),
        "ends_at": (NOW + timedelta(days=3, hours=2)).isoformat(),
    }
    key = {"Idempotency-Key": "reschedule-1"}
    moved = http.post(
        "/api/v1/maintenances/MNT-1/updates", json={**later, "text": "Reportée."}, headers={**AUTH, **key}
    )
    assert moved.status_code == 201, moved.text
    again = http.post(
        "/api/v1/maintenances/MNT-1/updates", json={**later, "text": "Reportée."}, headers={**AUTH, **key}
    )
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    stored = moved.json()
    assert stored["starts_at"].startswith("2026-11-27T13:00:00") and len(stored["updates"]) == 2
    # Rescheduled three days ahead: out of the banner's lead time, still on the page.
    assert http.get("/api/v1/incidents/current").json()["maintenances"] == []
    [shown] = http.get("/api/v1/maintenances").json()["upcoming"]
    assert shown["updates"][0]["text"] == "Reportée." and shown["updates"][0]["window"] == shown["window"]
    feed = feedparser.parse(http.get("/etat-du-service/flux.atom").text)
    assert kb.incidents.maintenance.texts.rescheduled.split("{")[0].strip() in feed.entries[0].content[0].value

    cancelled = http.post("/api/v1/maintenances/MNT-1/updates", json={"cancelled": True}, headers=AUTH)
    assert cancelled.status_code == 201 and cancelled.json()["cancelled_at"] is not None
    listed = http.get("/api/v1/maintenances").json()
    assert listed["upcoming"] == [] and listed["past"][0]["phase"]["id"] == "cancelled"
    assert kb.incidents.maintenance.texts.cancelled in http.get("/etat-du-service").text
    # Cancelled, it moves no more; a text is still welcome.
    closed = http.post("/api/v1/maintenances/MNT-1/updates", json=later, headers=AUTH)
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "maintenance_closed"
    assert http.post(
        "/api/v1/maintenances/MNT-1/updates", json={"text": "Nouvelle date à venir."}, headers=AUTH
    ).is_success

    # Under way, its start is fixed; cancelled then, it ends now and is completed.
    assert _put(http, "MNT-2", starts_at=(NOW - timedelta(minutes=10)).isoformat()).status_code == 201
    started = http.post("/api/v1/maintenances/MNT-2/updates", json={"starts_at": NOW.isoformat()}, headers=AUTH)
    assert started.status_code == 409 and started.json()["error"]["code"] == "maintenance_started"
    longer = {"ends_at": (NOW + timedelta(hours=40)).isoformat()}
    assert http.post("/api/v1/maintenances/MNT-2/updates", json=longer, headers=AUTH).status_code == 201
    ended = http.post("/api/v1/maintenances/MNT-2/updates", json={"cancelled": True}, headers=AUTH).json()
    assert ended["cancelled_at"] is None and ended["ends_at"].startswith("2026-11-24T13:00:00")
    clock.now = NOW + timedelta(minutes=1)
    past = {m["reference"]: m["phase"]["id"] for m in http.get("/api/v1/maintenances").json()["past"]}
    assert past == {"MNT-1": "cancelled", "MNT-2": "completed"}
    assert http.delete("/api/v1/maintenances/MNT-2", headers=AUTH).status_code == 204
    assert http.delete("/api/v1/maintenances/MNT-2", headers=AUTH).status_code == 404


def test_mistakes_get_stable_codes(http: TestClient) -> None:
    def refused(answer: Any, status: int, code: str, field: str) -> None:
        assert answer.status_code == status, answer.text
        error = answer.json()["error"]
        assert error["code"] == code and error["details"][0]["field"] == field, error

    start = NOW + timedelta(hours=2)
    refused(
        _put(http, ends_at=(start - timedelta(hours=1)).isoformat(), starts_at=start.isoformat()),
        422,
        "invalid_window",
        "ends_at",
    )
    refused(
        _put(http, starts_at=(NOW - timedelta(hours=3)).isoformat(), ends_at=(NOW - timedelta(hours=1)).isoformat()),
        422,
        "window_in_past",
        "ends_at",
    )
    refused(_put(http, services=["fax"]), 422, "unknown_id", "services[0]")
    refused(_put(http, title=""), 422, "invalid_body", "title")
    assert http.put("/api/v1/maintenances/MNT-1", json=body()).status_code == 401
    assert (
        http.put("/api/v1/maintenances/MNT-1", json=body(), headers={**AUTH, "If-None-Match": "*"}).status_code == 201
    )
    assert (
        http.put("/api/v1/maintenances/MNT-1", json=body(), headers={**AUTH, "If-None-Match": "*"}).status_code == 412
    )
    empty = http.post("/api/v1/maintenances/MNT-1/updates", json={}, headers=AUTH)
    assert empty.status_code == 422 and "créneau" in empty.json()["error"]["message"]
    before = {"ends_at": (NOW + timedelta(hours=1)).isoformat()}  # before the stored start: the record refuses it
    refused(
        http.post("/api/v1/maintenances/MNT-1/updates", json=before, headers=AUTH), 409, "invalid_window", "ends_at"
    )
    unknown = http.post("/api/v1/maintenances/MNT-9/updates", json={"text": "x"}, headers=AUTH)
    assert unknown.status_code == 404 and "maintenance" in unknown.json()["error"]["message"]
    # The maintenance state is no impact an incident can have.
    incident = {"title": "T", "services": ["sms"], "started_at": NOW.isoformat(), "impact": "maintenance"}
    refused(http.put("/api/v1/incidents/INC-1", json=incident, headers=AUTH), 422, "unknown_id", "impact")


def test_everything_shown_is_escaped_and_the_answers_follow_the_document(http: TestClient, clock: Clock) -> None:
    title = '<script>alert("x")</script> & co'
    assert _put(http, title=title, message="<img src=x onerror=alert(1)>").status_code == 201
    page = http.get("/etat-du-service").text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert" in page and "&lt;img src=x" in page
    assert not feedparser.parse(http.get("/etat-du-service/flux.atom").text).bozo

    document = http.get("/api/openapi.json").json()
    clock.now = NOW + timedelta(hours=30, minutes=5)
    for path, operation in (("/api/v2/summary.json", "get"), ("/api/v1/maintenances", "get")):
        schema = document["paths"][path][operation]["responses"]["200"]["content"]["application/json"]["schema"]
        OAS31Validator({**schema, "components": document["components"]}).validate(http.get(path).json())
    put = document["paths"]["/api/v1/maintenances/{reference}"]["put"]
    assert put["security"] == [{"bearer": []}]
    [planned] = http.get("/api/v2/summary.json").json()["scheduled_maintenances"]
    # Statuspage's shape, which its clients read.
    assert {
        "id",
        "name",
        "status",
        "impact",
        "scheduled_for",
        "scheduled_until",
        "components",
        "incident_updates",
    } <= set(planned)
    assert planned["impact"] == "maintenance" and planned["components"][0]["status"] == "under_maintenance"
    assert planned["scheduled_for"] == "2026-11-25T19:00:00Z"


# --- the real server over HTTP, windows around the real clock ------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_a_real_server_shows_what_is_ahead_and_what_is_under_way(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, kb: KnowledgeBase
) -> None:
    server = served_on(backend, request, tmp_path, STATUS_API_TOKEN=TOKEN)
    try:
        now = datetime.now(UTC)
        with httpx2.Client(base_url=server.url, timeout=10) as client:
            under_way = body(
                services=["sms"],
                starts_at=(now - timedelta(minutes=5)).isoformat(),
                ends_at=(now + timedelta(hours=1)).isoformat(),
            )
            ahead = body(
                starts_at=(now + timedelta(days=5)).isoformat(), ends_at=(now + timedelta(days=5, hours=1)).isoformat()
            )
            assert client.put("/api/v1/maintenances/MNT-NOW", json=under_way, headers=AUTH).status_code == 201
            assert client.put("/api/v1/maintenances/MNT-LATER", json=ahead, headers=AUTH).status_code == 201
            listed = client.get("/api/v1/maintenances").json()
            assert [(m["reference"], m["phase"]["id"]) for m in listed["upcoming"]] == [
                ("MNT-NOW", "in_progress"),
                ("MNT-LATER", "scheduled"),
            ]
            # The banner shows the one under way, not the one five days ahead.
            assert [m["reference"] for m in client.get("/api/v1/incidents/current").json()["maintenances"]] == [
                "MNT-NOW"
            ]
            components = client.get("/api/v2/summary.json").json()["components"]
            assert {c["id"]: c["status"] for c in components}["sms"] == "under_maintenance"
            page = client.get("/etat-du-service").text
            assert 'id="maintenance-MNT-LATER"' in page
            servicing = kb.service_state(kb.incidents.maintenance.service_state).title
            assert servicing in _page_row(page, kb.service("sms").name)
    finally:
        server.stop()
