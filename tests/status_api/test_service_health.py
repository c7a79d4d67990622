"""Each service's state on "État du service" and in Statuspage's summary: derived from the incidents, worst wins."""

from __future__ import annotations

import html
import re
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from openapi_schema_validator import OAS31Validator
from starlette.testclient import TestClient

from kb_build.model import KnowledgeBase
from status_api.domain.incidents import imported_incident
from status_api.domain.payloads import ImportedIncident, Validator
from status_api.domain.records import Incident, IncidentUpdate
from status_api.storage import SQLiteStore
from status_api.storage.sqlite.schema import MIGRATIONS
from status_api.views.incidents import service_health, service_status
from tests.status_api.helpers import AUTH, NOW


def _incident(
    reference: str, services: list[str], impact: str | None, start: datetime, end: datetime | None
) -> Incident:
    return Incident(
        reference=reference,
        title=f"Incident {reference}",
        services=tuple(services),
        state="resolu" if end else "analyse",
        started_at=start,
        ended_at=end,
        impact=impact,
        updates=(IncidentUpdate(id=1, at=start, state="analyse"),),
    )


def test_the_worst_ongoing_impact_wins_and_ended_incidents_leave_days_behind(kb: KnowledgeBase) -> None:
    zone = ZoneInfo(kb.site.timezone)
    incidents = [
        _incident("A", ["appels-entrants"], "panne-majeure", NOW - timedelta(days=2), None),
        _incident("B", ["appels-entrants", "sms"], "degrade", NOW - timedelta(hours=1), None),
        _incident("C", ["sms"], "panne-partielle", NOW - timedelta(days=11), NOW - timedelta(days=10)),
        # Stored before impacts existed: it reads as the data's default_impact.
        _incident("D", ["portabilite"], None, NOW - timedelta(days=3), NOW - timedelta(days=3, hours=-1)),
        # Ended before the window: nothing of it shows.
        _incident("E", ["tableau-de-bord"], "panne-majeure", NOW - timedelta(days=200), NOW - timedelta(days=199)),
    ]
    health = {service.id: service for service in service_health(incidents, kb, NOW)}
    assert list(health) == [service.id for service in kb.incidents.services]
    assert health["appels-entrants"].state.id == "panne-majeure"
    assert health["sms"].state.id == "degrade"  # C has ended: only B counts now
    assert health["portabilite"].state.id == kb.incidents.service_states[0].id
    assert health["tableau-de-bord"].state.id == kb.incidents.service_states[0].id
    assert health["tableau-de-bord"].days == []
    today = NOW.astimezone(zone).date()
    # A touched the last three days (from two days ago to today), each at its own impact, the worst of the two.
    assert [d.day for d in health["appels-entrants"].days] == [today - timedelta(days=n) for n in (2, 1, 0)]
    assert {d.state.id for d in health["appels-entrants"].days} == {"panne-majeure"}
    sms = {d.day: d.state.id for d in health["sms"].days}
    assert sms[(NOW - timedelta(days=11)).astimezone(zone).date()] == "panne-partielle"
    assert sms[today] == "degrade"
    assert [d.state.id for d in health["portabilite"].days] == [kb.incidents.default_impact]
    assert health["portabilite"].days[0].text.startswith(("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"))


def test_a_window_never_lists_more_days_than_it_has(kb: KnowledgeBase) -> None:
    days = kb.incidents.history_days
    long = _incident("L", ["sms"], "degrade", NOW - timedelta(days=days * 3), None)
    [sms] = [s for s in service_status([long], kb, NOW).services if s.id == "sms"]
    assert len(sms.days) == days


def test_the_page_shows_every_service_with_a_symbol_and_words_in_a_table(client: TestClient, kb: KnowledgeBase) -> None:
    body = {
        "title": "Appels entrants coupés",
        "services": ["appels-entrants"],
        "started_at": (NOW - timedelta(hours=2)).isoformat(),
        "impact": "panne-majeure",
    }
    assert client.put("/api/v1/incidents/INC-9", json=body, headers=AUTH).status_code == 201
    page = client.get("/etat-du-service").text
    table = page[page.index('<table class="kb-service-health">') : page.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    assert len(rows) == len(kb.incidents.services)
    worst, working = kb.service_state("panne-majeure"), kb.incidents.service_states[0]
    first = html.unescape(rows[0])
    assert kb.incidents.services[0].name in first and worst.title in first and worst.symbol in first
    assert 'aria-hidden="true"' in rows[0]  # the symbol is decoration; the title says it
    assert all(working.title in html.unescape(row) for row in rows[1:])
    assert '<th scope="col">' in table and '<th scope="row">' in table


def test_an_impact_must_be_a_disrupted_state(client: TestClient, kb: KnowledgeBase) -> None:
    body = {"title": "T", "services": ["sms"], "started_at": NOW.isoformat()}
    for impact in (kb.incidents.service_states[0].id, "inconnu"):
        answer = client.put("/api/v1/incidents/INC-1", json={**body, "impact": impact}, headers=AUTH)
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["code"] == "unknown_id"
        assert "impact" in answer.text
    created = client.put("/api/v1/incidents/INC-1", json=body, headers=AUTH).json()
    assert created["impact"] == kb.incidents.default_impact
    # Replaced without an impact, an incident keeps the one it had.
    client.put("/api/v1/incidents/INC-1", json={**body, "impact": "panne-partielle"}, headers=AUTH)
    assert client.put("/api/v1/incidents/INC-1", json=body, headers=AUTH).json()["impact"] == "panne-partielle"


def test_the_statuspage_summary_follows_the_services_and_the_document(client: TestClient, kb: KnowledgeBase) -> None:
    empty = client.get("/api/v2/summary.json").json()
    assert empty["status"] == {"indicator": "none", "description": kb.incidents.texts.all_clear}
    assert [c["status"] for c in empty["components"]] == ["operational"] * len(kb.incidents.services)
    assert empty["incidents"] == [] and empty["scheduled_maintenances"] == []
    body = {
        "title": "SMS en retard",
        "services": ["sms"],
        "started_at": (NOW - timedelta(hours=2)).isoformat(),
        "impact": "panne-partielle",
    }
    client.put("/api/v1/incidents/INC-2", json=body, headers=AUTH)
    client.post("/api/v1/incidents/INC-2/updates", json={"state": "surveillance", "text": "Rétabli."}, headers=AUTH)
    answer = client.get("/api/v2/summary.json")
    assert answer.headers["cache-control"].startswith("public")
    data = answer.json()
    assert data["status"]["indicator"] == "major"
    assert {c["id"]: c["status"] for c in data["components"]}["sms"] == "partial_outage"
    [incident] = data["incidents"]
    assert incident["status"] == "monitoring" and incident["impact"] == "major"
    assert [u["status"] for u in incident["incident_updates"]] == ["monitoring", "investigating"]
    assert incident["incident_updates"][0]["body"] == "Rétabli."
    assert incident["shortlink"].endswith("#incident-INC-2")
    document = client.get("/api/openapi.json").json()
    schema = document["paths"]["/api/v2/summary.json"]["get"]["responses"]["200"]["content"]["application/json"]
    OAS31Validator({**schema["schema"], "components": document["components"]}).validate(data)


def test_a_version_4_database_reads_its_incidents_at_the_default_impact(tmp_path: Path, kb: KnowledgeBase) -> None:
    path = tmp_path / "status.sqlite3"
    with sqlite3.connect(path) as conn:
        for statements in MIGRATIONS[:4]:
            for statement in statements:
                conn.execute(statement)
        conn.execute("PRAGMA user_version = 4")
        conn.execute(
            "INSERT INTO incidents VALUES ('INC-1', 'T', '[\"sms\"]', 'analyse', '2026-11-24T12:00:00.000000Z', NULL)"
        )
    store = SQLiteStore(path)
    try:
        incident = store.get(Incident, "INC-1")
    finally:
        store.close()
    assert incident is not None and incident.impact is None
    [sms] = [s for s in service_health([incident], kb, NOW) if s.id == "sms"]
    assert sms.state.id == kb.incidents.default_impact


def test_an_imported_incident_keeps_its_impact(kb: KnowledgeBase) -> None:
    data = {"reference": "INC-7", "title": "T", "services": ["sms"], "started_at": NOW.isoformat()}
    said = Validator(kb)(ImportedIncident, {**data, "impact": "panne-majeure"})
    assert imported_incident(said, kb, ()).impact == "panne-majeure"
    unsaid = Validator(kb)(ImportedIncident, data)
    assert imported_incident(unsaid, kb, ()).impact == kb.incidents.default_impact
