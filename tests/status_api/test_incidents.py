"""Incidents through the API: the lifecycle from data/incidents.yml, ticket links, and what customers see."""

from __future__ import annotations

import html
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from openapi_schema_validator import OAS31Validator
from starlette.testclient import TestClient

from kb_build.model import KnowledgeBase
from status_api.domain.errors import IdempotencyConflict
from status_api.domain.records import Idempotency, Incident, Ticket
from status_api.storage import SQLiteStore
from status_api.storage.sqlite.schema import MIGRATIONS
from status_api.storage.sqlite.schema import VERSION as SCHEMA_VERSION
from tests.status_api.helpers import AUTH, CALL_ID, NOW, TOKEN

PutTicket = Callable[..., dict[str, Any]]


def incident_body(kb: KnowledgeBase, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Appels entrants en échec",
        "services": [kb.incidents.services[0].id],
        "started_at": (NOW - timedelta(hours=2)).isoformat(),
    }
    body.update(overrides)
    return body


@pytest.fixture
def put_incident(client: TestClient, kb: KnowledgeBase) -> Callable[..., dict[str, Any]]:
    def put(reference: str = "INC-1", **overrides: Any) -> dict[str, Any]:
        response = client.put(f"/api/v1/incidents/{reference}", json=incident_body(kb, **overrides), headers=AUTH)
        assert response.status_code in (200, 201), response.text
        result: dict[str, Any] = response.json()
        return result

    return put


def _update(client: TestClient, body: dict[str, Any], reference: str = "INC-1", **headers: str) -> Any:
    return client.post(f"/api/v1/incidents/{reference}/updates", json=body, headers={**AUTH, **headers})


def _path_to_final(kb: KnowledgeBase) -> list[str]:
    """The states from the first to a final one, following each state's first move."""
    states = {s.id: s for s in kb.incidents.states}
    path = [kb.incidents.states[0].id]
    while not states[path[-1]].final:
        path.append(states[path[-1]].next[0])
    return path


# --- the lifecycle -----------------------------------------------------------------------------------


def test_an_incident_starts_at_the_first_state_and_put_is_idempotent(client: TestClient, kb: KnowledgeBase) -> None:
    body = incident_body(kb)
    first = client.put("/api/v1/incidents/INC-1", json=body, headers=AUTH)
    again = client.put("/api/v1/incidents/INC-1", json=body, headers=AUTH)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    incident = again.json()
    assert incident["state"] == kb.incidents.states[0].id
    assert incident["ended_at"] is None
    assert [(u["state"], u["text"]) for u in incident["updates"]] == [(kb.incidents.states[0].id, None)]


def test_allowed_moves_follow_the_yaml_and_a_final_state_ends_the_incident(
    client: TestClient, put_incident: Callable[..., dict[str, Any]], kb: KnowledgeBase
) -> None:
    put_incident()
    path = _path_to_final(kb)
    for state in path[1:]:
        response = _update(client, {"state": state, "text": f"Passage à {state}"})
        assert response.status_code == 201, response.text
        assert response.json()["state"] == state
    incident = response.json()
    assert incident["ended_at"] == incident["updates"][-1]["at"]
    # A final state has no moves: even a move back is refused, with no allowed state to offer.
    back = _update(client, {"state": path[0]})
    assert back.status_code == 409  # the request is right; the incident's state refuses it
    assert back.json()["error"]["code"] == "invalid_state_move"
    assert "final" in back.json()["error"]["message"]
    # A text-only update after the end stays possible (a closing note).
    assert _update(client, {"text": "Rapport d'incident publié."}).status_code == 201


def test_a_move_the_yaml_does_not_allow_is_a_409_naming_the_allowed_ones(
    client: TestClient, put_incident: Callable[..., dict[str, Any]], kb: KnowledgeBase
) -> None:
    put_incident()
    current = kb.incident_state(kb.incidents.states[0].next[0])
    assert _update(client, {"state": current.id}).status_code == 201
    refused = next(s.id for s in kb.incidents.states if s.id not in current.next and s.id != current.id)
    response = _update(client, {"state": refused, "text": "retour en arrière"})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "invalid_state_move"
    assert error["details"][0]["field"] == "state"
    assert error["details"][0]["allowed"] == list(current.next)
    assert all(state in error["message"] for state in current.next)
    unchanged = client.put("/api/v1/incidents/INC-1", json=incident_body(kb), headers=AUTH).json()
    assert unchanged["state"] == current.id and len(unchanged["updates"]) == 2


def test_an_update_dated_before_the_start_is_a_409_of_its_own(
    client: TestClient, put_incident: Callable[..., dict[str, Any]]
) -> None:
    put_incident()
    response = _update(client, {"text": "Plus tôt", "at": (NOW - timedelta(hours=3)).isoformat()})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "before_start"


def test_states_and_services_must_be_known(client: TestClient, kb: KnowledgeBase) -> None:
    response = client.put(
        "/api/v1/incidents/INC-1", json=incident_body(kb, services=["fax"], state="perdu"), headers=AUTH
    )
    assert response.status_code == 422
    details = {d["field"]: d for d in response.json()["error"]["details"]}
    assert details["services[0]"]["allowed"] == [s.id for s in kb.incidents.services]
    assert details["state"]["allowed"] == [s.id for s in kb.incidents.states]


def test_put_does_not_move_the_state_and_a_final_state_needs_an_end(
    client: TestClient, put_incident: Callable[..., dict[str, Any]], kb: KnowledgeBase
) -> None:
    put_incident()
    moved = client.put(
        "/api/v1/incidents/INC-1", json=incident_body(kb, state=kb.incidents.states[0].next[0]), headers=AUTH
    )
    assert moved.status_code == 409
    assert moved.json()["error"]["code"] == "invalid_state_move"
    assert "/updates" in moved.json()["error"]["message"]

    final = next(s.id for s in kb.incidents.states if s.final)
    without_end = client.put("/api/v1/incidents/INC-2", json=incident_body(kb, state=final), headers=AUTH)
    assert without_end.status_code == 422
    assert without_end.json()["error"]["details"][0]["field"] == "ended_at"
    ended = client.put(
        "/api/v1/incidents/INC-2", json=incident_body(kb, state=final, ended_at=NOW.isoformat()), headers=AUTH
    )
    assert ended.status_code == 201


def test_an_update_is_recorded_once_per_idempotency_key(
    client: TestClient, put_incident: Callable[..., dict[str, Any]], store: SQLiteStore
) -> None:
    put_incident()
    answers = [_update(client, {"text": "x"}, **{"Idempotency-Key": "k-1"}) for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 200]
    assert answers[1].headers["idempotent-replayed"] == "true"
    conflict = _update(client, {"text": "y"}, **{"Idempotency-Key": "k-1"})
    assert conflict.status_code == 422 and conflict.json()["error"]["code"] == "idempotency_conflict"
    incident = store.get(Incident, "INC-1")
    assert incident is not None and [u.text for u in incident.updates] == [None, "x"]


def test_writes_need_the_token(client: TestClient, kb: KnowledgeBase) -> None:
    assert client.put("/api/v1/incidents/INC-1", json=incident_body(kb)).status_code == 401
    assert client.post("/api/v1/incidents/INC-1/updates", json={"text": "x"}).status_code == 401
    assert client.put("/api/v1/incidents/INC-1/tickets/RGV-1").status_code == 401
    assert client.delete("/api/v1/incidents/INC-1").status_code == 401
    assert client.get("/api/v1/incidents/current").status_code == 200


def test_unknown_incidents_are_404(client: TestClient) -> None:
    assert _update(client, {"text": "x"}, reference="INC-404").status_code == 404
    assert client.delete("/api/v1/incidents/INC-404", headers=AUTH).status_code == 404


# --- tickets linked to an incident ---------------------------------------------------------------


def test_a_linked_ticket_is_prioritised_and_its_lookup_shows_the_incident(
    client: TestClient,
    put_ticket: PutTicket,
    put_incident: Callable[..., dict[str, Any]],
    kb: KnowledgeBase,
) -> None:
    not_prioritised = next(t.id for t in kb.issue_types.issue_types if not t.prioritised)
    put_ticket(issue_type=not_prioritised)
    put_incident()
    before = client.post("/api/v1/lookup", json={"call_id": CALL_ID}).json()
    assert before["prioritised"] is False and before["incident"] is None

    linked = client.put("/api/v1/incidents/INC-1/tickets/RGV-1", headers=AUTH)
    assert linked.status_code == 200 and linked.json()["tickets"] == ["RGV-1"]
    assert client.put("/api/v1/incidents/INC-1/tickets/RGV-1", headers=AUTH).status_code == 200  # idempotent
    _update(client, {"state": kb.incidents.states[0].next[0], "text": "La cause est trouvée."})

    view = client.post("/api/v1/lookup", json={"call_id": CALL_ID}).json()
    assert view["prioritised"] is True
    incident = view["incident"]
    assert incident["reference"] == "INC-1"
    assert incident["url"] == "/etat-du-service#incident-INC-1"
    assert incident["state"]["title"] == kb.incident_state(kb.incidents.states[0].next[0]).title
    assert incident["latest_update"]["text"] == "La cause est trouvée."
    assert "tickets" not in incident  # other customers' tickets are nobody's business

    page = client.post("/suivi", data={"call_id": CALL_ID}).text
    assert kb.incidents.texts.ticket_title in html.unescape(page)
    assert "La cause est trouvée." in html.unescape(page)
    assert 'href="/etat-du-service#incident-INC-1"' in page

    assert client.delete("/api/v1/incidents/INC-1/tickets/RGV-1", headers=AUTH).status_code == 204
    assert client.delete("/api/v1/incidents/INC-1/tickets/RGV-1", headers=AUTH).status_code == 404
    after = client.post("/api/v1/lookup", json={"call_id": CALL_ID}).json()
    assert after["incident"] is None and after["prioritised"] is False


def test_links_name_existing_records_and_survive_a_ticket_replacement(
    client: TestClient, put_ticket: PutTicket, put_incident: Callable[..., dict[str, Any]]
) -> None:
    put_ticket()
    assert client.put("/api/v1/incidents/INC-1/tickets/RGV-1", headers=AUTH).status_code == 404  # no incident
    put_incident()
    missing_ticket = client.put("/api/v1/incidents/INC-1/tickets/RGV-404", headers=AUTH)
    assert missing_ticket.status_code == 404 and "RGV-404" in missing_ticket.json()["error"]["message"]
    client.put("/api/v1/incidents/INC-1/tickets/RGV-1", headers=AUTH)
    put_ticket()  # staff replace the ticket: it stays linked
    assert client.post("/api/v1/lookup", json={"call_id": CALL_ID}).json()["incident"]["reference"] == "INC-1"
    # Moving the ticket to another incident moves the link.
    put_incident("INC-2")
    client.put("/api/v1/incidents/INC-2/tickets/RGV-1", headers=AUTH)
    assert client.post("/api/v1/lookup", json={"call_id": CALL_ID}).json()["incident"]["reference"] == "INC-2"
    # Deleting the incident leaves the ticket, unlinked.
    assert client.delete("/api/v1/incidents/INC-2", headers=AUTH).status_code == 204
    view = client.post("/api/v1/lookup", json={"call_id": CALL_ID}).json()
    assert view["reference"] == "RGV-1" and view["incident"] is None


# --- what customers see ------------------------------------------------------------------------------


def test_the_status_page_without_incidents_says_all_is_well(client: TestClient, kb: KnowledgeBase) -> None:
    response = client.get("/etat-du-service")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = html.unescape(response.text)
    assert kb.incidents.texts.all_clear in page
    assert kb.incidents.texts.no_history.replace("{days}", str(kb.incidents.history_days)) in page
    assert "<script" not in response.text  # nothing needs JavaScript
    assert 'href="/etat-du-service/flux.atom"' in response.text
    assert client.get("/etat-du-service/").text == response.text


def test_the_status_page_shows_ongoing_incidents_first_then_the_history(
    client: TestClient, put_incident: Callable[..., dict[str, Any]], kb: KnowledgeBase
) -> None:
    final = next(s.id for s in kb.incidents.states if s.final)
    days = kb.incidents.history_days
    put_incident(
        "INC-OLD",
        title="Très ancien",
        state=final,
        started_at=(NOW - timedelta(days=days + 5)).isoformat(),
        ended_at=(NOW - timedelta(days=days + 1)).isoformat(),
    )
    put_incident(
        "INC-LAST-MONTH",
        title="Le mois dernier",
        state=final,
        started_at=(NOW - timedelta(days=30, hours=2)).isoformat(),
        ended_at=(NOW - timedelta(days=30)).isoformat(),
    )
    put_incident("INC-NOW", title="<b>Appels</b> en échec", services=[s.id for s in kb.incidents.services[:2]])
    _update(client, {"text": "Nos équipes analysent."}, reference="INC-NOW")

    response = client.get("/etat-du-service")
    page = html.unescape(response.text)
    assert kb.incidents.texts.all_clear not in page
    assert page.index(kb.incidents.texts.ongoing_title) < page.index("<b>Appels</b> en échec")
    assert page.index("<b>Appels</b> en échec") < page.index("Le mois dernier")
    assert "Très ancien" not in page
    assert "<b>Appels</b>" not in response.text  # pushed text is escaped
    assert 'id="incident-INC-NOW"' in response.text
    for service in kb.incidents.services[:2]:
        assert service.name in page
    assert "Nos équipes analysent." in page
    assert kb.incidents.texts.latest_update in page


def test_the_current_incidents_json_lists_the_ongoing_ones(
    app_for: Callable[..., TestClient], put_incident: Callable[..., dict[str, Any]], kb: KnowledgeBase
) -> None:
    client = app_for(token=TOKEN, cors_origins=("https://aide.example.com",))
    assert client.get("/api/v1/incidents/current").json()["incidents"] == []
    final = next(s.id for s in kb.incidents.states if s.final)
    put_incident("INC-ENDED", state=final, ended_at=NOW.isoformat())
    put_incident("INC-NOW")
    response = client.get("/api/v1/incidents/current", headers={"Origin": "https://aide.example.com"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://aide.example.com"
    assert response.headers["cache-control"].startswith("public")
    body = response.json()
    assert body["status_page"] == "/etat-du-service" and body["feed"] == "/etat-du-service/flux.atom"
    [incident] = body["incidents"]
    assert incident["reference"] == "INC-NOW"
    assert incident["ongoing"] is True
    assert incident["state"]["id"] == kb.incidents.states[0].id
    assert incident["services"][0] == {"id": kb.incidents.services[0].id, "name": kb.incidents.services[0].name}
    assert set(incident) >= {"title", "url", "started", "latest_update", "updates"}
    assert "tickets" not in incident


def test_the_status_page_is_set_in_the_help_center_page(
    app_for: Callable[..., TestClient],
    put_incident: Callable[..., dict[str, Any]],
    built_site: Path,
    kb: KnowledgeBase,
) -> None:
    client = app_for(token=TOKEN, site_dir=built_site)
    put_incident()
    page = client.get("/etat-du-service").text
    assert 'class="md-header' in page
    assert "<!-- service-status -->" not in page
    assert kb.incidents.texts.live_link not in html.unescape(page)  # the static fallback link is replaced
    start = page.index('id="kb-service-status"')
    assert start < page.index('id="incident-INC-1"') < page.index("</article>")
    assert '"/assets/javascripts/incidents.js"' in page
    assert client.get("/assets/javascripts/incidents.js").status_code == 200


def test_the_schema_migrates_to_the_incident_tables(tmp_path: Path) -> None:
    path = tmp_path / "status.sqlite3"
    SQLiteStore(path).close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"incidents", "incident_updates", "idempotency", "incident_tickets"} <= tables
    assert not {"idempotency_keys", "incident_idempotency_keys"} & tables


def test_a_version_2_database_keeps_its_idempotency_keys(tmp_path: Path) -> None:
    path = tmp_path / "status.sqlite3"
    with sqlite3.connect(path) as conn:
        for statements in MIGRATIONS[:2]:
            for statement in statements:
                conn.execute(statement)
        conn.execute(
            "INSERT INTO tickets VALUES ('RGV-1', 't', 's', 'e', '2026-11-24T12:00:00.000000Z', NULL, 0, '[]')"
        )
        conn.execute("INSERT INTO updates VALUES (1, 'RGV-1', '2026-11-24T12:00:00.000000Z', 'x', NULL, NULL)")
        conn.execute("INSERT INTO idempotency_keys VALUES ('RGV-1', 'clé', 'empreinte', 1)")
        conn.execute("INSERT INTO incidents VALUES ('INC-1', 'T', '[]', 'ouvert', '2026-11-24T12:00:00.000000Z', NULL)")
        conn.execute("INSERT INTO incident_updates VALUES (1, 'INC-1', '2026-11-24T12:00:00.000000Z', 'y', NULL)")
        conn.execute("INSERT INTO incident_idempotency_keys VALUES ('INC-1', 'clé', 'autre', 1)")
        conn.execute("PRAGMA user_version = 2")
    store = SQLiteStore(path)
    try:
        replayed = store.append_update(Ticket, "RGV-1", _never, idempotency=Idempotency("clé", "empreinte"))
        assert replayed is not None and replayed.replayed
        with pytest.raises(IdempotencyConflict):
            store.append_update(Incident, "INC-1", _never, idempotency=Idempotency("clé", "empreinte"))
    finally:
        store.close()


def _never(record: Any) -> Any:
    raise AssertionError("a replayed update must not run its change")


def test_the_openapi_document_lists_states_and_services_and_matches_real_answers(
    client: TestClient, put_ticket: PutTicket, put_incident: Callable[..., dict[str, Any]], kb: KnowledgeBase
) -> None:
    document = client.get("/api/openapi.json").json()
    schemas = document["components"]["schemas"]
    states = [s.id for s in kb.incidents.states]
    assert schemas["IncidentIn"]["properties"]["services"]["items"]["enum"] == [s.id for s in kb.incidents.services]
    assert schemas["IncidentIn"]["properties"]["state"]["anyOf"][0]["enum"] == states
    assert schemas["IncidentUpdateIn"]["properties"]["state"]["anyOf"][0]["enum"] == states

    def check(name: str, instance: Any) -> None:
        OAS31Validator({"$ref": f"#/components/schemas/{name}", "components": document["components"]}).validate(
            instance
        )

    put_ticket()
    check("Incident", put_incident())
    check("Incident", client.put("/api/v1/incidents/INC-1/tickets/RGV-1", headers=AUTH).json())
    check("CurrentIncidents", client.get("/api/v1/incidents/current").json())
    check("TicketView", client.post("/api/v1/lookup", json={"call_id": CALL_ID}).json())
    check("ErrorBody", _update(client, {"state": "nulle-part"}).json())
