from __future__ import annotations

import html
import json
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from kb_build.model import KnowledgeBase
from status_api.app import create_app
from status_api.config import Settings
from status_api.domain.payloads import LookupIn, kb_ids
from status_api.http.lookup import _PLAIN as _PLAIN_LOOKUP
from status_api.storage import SQLiteStore
from tests.status_api.conftest import BOTH_BACKENDS
from tests.status_api.helpers import AUTH, CALL_ID, NOW, TOKEN, ticket_body

PutTicket = Callable[..., dict[str, Any]]


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error


# --- lookup ----------------------------------------------------------------------------------------


@BOTH_BACKENDS
def test_lookup_finds_the_ticket_of_a_call_id(client: TestClient, put_ticket: PutTicket, kb: KnowledgeBase) -> None:
    put_ticket()
    response = client.post("/api/v1/lookup", json={"call_id": CALL_ID})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    view = response.json()
    assert view["reference"] == "RGV-1"
    assert view["step"] == {"id": kb.process.steps[0].id, "title": kb.process.steps[0].title}
    assert [s["state"] for s in view["progress"]][:2] == ["current", "upcoming"]
    assert view["team"]["name"] == kb.team(kb.process.steps[0].team).name
    assert view["opened"]["text"] == "mardi 24\u00a0novembre 2026 à 13\u00a0h\u00a000"


@BOTH_BACKENDS
@pytest.mark.parametrize(
    "pasted", ["2026 1124 1200 0000 0001", "2026-1124-1200-0000-0001", " 2026\u00a01124\u00a01200 0000 0001 "]
)
def test_lookup_tolerates_pasted_spaces_and_dashes(client: TestClient, put_ticket: PutTicket, pasted: str) -> None:
    put_ticket()
    response = client.post("/api/v1/lookup", json={"call_id": pasted})
    assert response.status_code == 200
    assert response.json()["reference"] == "RGV-1"


@BOTH_BACKENDS
def test_one_generic_answer_for_an_unknown_call_id(
    client: TestClient, put_ticket: PutTicket, kb: KnowledgeBase
) -> None:
    never = client.post("/api/v1/lookup", json={"call_id": "99999999999999999999"})
    put_ticket()
    assert client.delete("/api/v1/tickets/RGV-1", headers=AUTH).status_code == 204
    gone = client.post("/api/v1/lookup", json={"call_id": CALL_ID})
    error = _error(never, 404, "not_found")
    assert (gone.status_code, gone.content) == (never.status_code, never.content)
    assert error["message"] == kb.tracking.result.not_found
    assert error["help"]["howto"]["url"] == f"/articles/{kb.site.call_id.howto_article}/"
    assert error["help"]["contact"]["email"] == kb.site.contact.email
    assert error["help"]["contact"]["url"] == "/communication/#contact"


@pytest.mark.parametrize("call_id", ["abc", "12 34", "2026.1124.1200.0000.0001", "1" * 40])
def test_a_malformed_call_id_is_refused_with_what_one_looks_like(
    client: TestClient, kb: KnowledgeBase, call_id: str
) -> None:
    error = _error(client.post("/api/v1/lookup", json={"call_id": call_id}), 422, "invalid_call_id")
    assert kb.site.call_id.description in error["message"]
    assert kb.site.call_id.example in error["message"]
    assert error["help"]["howto"]["title"] == kb.article(kb.site.call_id.howto_article).title


def test_an_empty_call_id_asks_for_one(client: TestClient, kb: KnowledgeBase) -> None:
    error = _error(client.post("/api/v1/lookup", json={"call_id": "  "}), 422, "invalid_call_id")
    assert error["message"].startswith(kb.tracking.result.missing_call_id.split("{")[0].strip())


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{", 400),
        (b'{"call_id": "1",}', 400),
        (b"\xff\xfe", 400),
        (b"[" * 5000 + b"]" * 5000, 400),
        (b"[]", 422),
        (b"{}", 422),
        (b'{"call_id": 20261124120000000001}', 422),
        (b'{"call_id": "20261124120000000001", "extra": 1}', 422),
    ],
)
def test_a_malformed_body_is_a_clear_4xx(client: TestClient, body: bytes, status: int) -> None:
    response = client.post("/api/v1/lookup", content=body, headers={"Content-Type": "application/json"})
    _error(response, status, "invalid_body")


def test_a_body_that_is_not_json_or_too_large_is_refused(client: TestClient) -> None:
    _error(client.post("/api/v1/lookup", data={"call_id": CALL_ID}), 415, "unsupported_media_type")
    big = b'{"call_id": "' + b"1" * 70_000 + b'"}'
    response = client.post("/api/v1/lookup", content=big, headers={"Content-Type": "application/json"})
    _error(response, 413, "body_too_large")


# --- writes and the token ----------------------------------------------------------------------------


@BOTH_BACKENDS
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"Authorization": f"Basic {TOKEN}"}],
)
def test_writes_without_the_token_are_refused_and_write_nothing(
    client: TestClient, kb: KnowledgeBase, put_ticket: PutTicket, headers: dict[str, str]
) -> None:
    response = client.put(
        "/api/v1/tickets/RGV-2", json=ticket_body(kb, call_ids=["11111111111111111111"]), headers=headers
    )
    error = _error(response, 401, "unauthorized")
    assert "Authorization: Bearer" in error["message"]
    assert response.headers["www-authenticate"] == "Bearer"
    assert client.post("/api/v1/lookup", json={"call_id": "11111111111111111111"}).status_code == 404

    put_ticket()
    _error(client.post("/api/v1/tickets/RGV-1/updates", json={"text": "x"}, headers=headers), 401, "unauthorized")
    _error(client.delete("/api/v1/tickets/RGV-1", headers=headers), 401, "unauthorized")
    view = client.post("/api/v1/lookup", json={"call_id": CALL_ID}).json()
    assert view["updates"] == []


def test_with_no_token_configured_writes_are_disabled(app_for: Callable[..., TestClient], kb: KnowledgeBase) -> None:
    client = app_for(token=None)
    for headers in ({}, {"Authorization": "Bearer "}, AUTH):
        response = client.put("/api/v1/tickets/RGV-1", json=ticket_body(kb), headers=headers)
        assert "STATUS_API_TOKEN" in _error(response, 403, "writes_disabled")["message"]
        _error(
            client.post("/api/v1/tickets/RGV-1/updates", json={"text": "x"}, headers=headers), 403, "writes_disabled"
        )
        _error(client.delete("/api/v1/tickets/RGV-1", headers=headers), 403, "writes_disabled")
    assert client.post("/api/v1/lookup", json={"call_id": CALL_ID}).status_code == 404


@BOTH_BACKENDS
def test_put_creates_then_replaces_and_is_idempotent(client: TestClient, kb: KnowledgeBase) -> None:
    body = ticket_body(kb, call_ids=["2026-1124-1200-0000-0001"])
    first = client.put("/api/v1/tickets/RGV-1", json=body, headers=AUTH)
    second = client.put("/api/v1/tickets/RGV-1", json=body, headers=AUTH)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert first.json()["call_ids"] == [CALL_ID]

    client.post("/api/v1/tickets/RGV-1/updates", json={"text": "gardée"}, headers=AUTH)
    replaced = client.put("/api/v1/tickets/RGV-1", json={**body, "step": kb.process.steps[1].id}, headers=AUTH)
    assert replaced.status_code == 200
    assert replaced.json()["step"] == kb.process.steps[1].id
    assert [u["text"] for u in replaced.json()["updates"]] == ["gardée"]


def test_unknown_ids_are_422_naming_the_allowed_values(client: TestClient, kb: KnowledgeBase) -> None:
    response = client.put(
        "/api/v1/tickets/RGV-1", json=ticket_body(kb, step="etape-inconnue", team="personne"), headers=AUTH
    )
    error = _error(response, 422, "unknown_id")
    details = {d["field"]: d for d in error["details"]}
    ids = kb_ids(kb)
    assert details["step"]["allowed"] == list(ids["step"])
    assert details["team"]["allowed"] == list(ids["team"])
    assert all(step in error["message"] for step in ids["step"])

    client.put("/api/v1/tickets/RGV-1", json=ticket_body(kb), headers=AUTH)
    error = _error(
        client.post("/api/v1/tickets/RGV-1/updates", json={"step": "nulle-part"}, headers=AUTH), 422, "unknown_id"
    )
    assert error["details"][0]["allowed"] == list(ids["step"])


def test_invalid_fields_are_all_reported_at_once(client: TestClient, kb: KnowledgeBase) -> None:
    body = ticket_body(kb, opened_at="2026-11-24 12:00", call_ids=["12"], prioritised="oui", step="x")
    error = _error(client.put("/api/v1/tickets/RGV-1", json=body, headers=AUTH), 422, "invalid_body")
    codes = {d["field"]: d["code"] for d in error["details"]}
    assert codes == {
        "opened_at": "invalid_body",
        "call_ids[0]": "invalid_call_id",
        "prioritised": "invalid_body",
        "step": "unknown_id",
    }
    assert error["message"].startswith("La requête contient 4 erreurs")


@BOTH_BACKENDS
def test_a_call_id_of_another_ticket_is_a_conflict(
    client: TestClient, kb: KnowledgeBase, put_ticket: PutTicket
) -> None:
    put_ticket()
    error = _error(client.put("/api/v1/tickets/RGV-2", json=ticket_body(kb), headers=AUTH), 409, "conflict")
    assert "RGV-1" in error["message"]


def test_a_malformed_reference_is_refused(client: TestClient, kb: KnowledgeBase) -> None:
    _error(client.put("/api/v1/tickets/-x", json=ticket_body(kb), headers=AUTH), 422, "invalid_reference")
    _error(client.delete("/api/v1/tickets/a%20b", headers=AUTH), 422, "invalid_reference")


@BOTH_BACKENDS
def test_updates_with_the_same_idempotency_key_are_recorded_once(client: TestClient, put_ticket: PutTicket) -> None:
    put_ticket()
    headers = {**AUTH, "Idempotency-Key": "f3a1c2"}
    first = client.post("/api/v1/tickets/RGV-1/updates", json={"text": "Analyse en cours"}, headers=headers)
    retry = client.post("/api/v1/tickets/RGV-1/updates", json={"text": "Analyse en cours"}, headers=headers)
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.headers["idempotent-replayed"] == "true"
    assert len(retry.json()["updates"]) == 1

    other = client.post("/api/v1/tickets/RGV-1/updates", json={"text": "Autre chose"}, headers=headers)
    _error(other, 422, "idempotency_conflict")
    for _ in range(2):
        client.post("/api/v1/tickets/RGV-1/updates", json={"text": "sans clé"}, headers=AUTH)
    view = client.post("/api/v1/lookup", json={"call_id": CALL_ID}).json()
    assert [u["text"] for u in view["updates"]] == ["sans clé", "sans clé", "Analyse en cours"]


@pytest.mark.parametrize("key", [b"", "é".encode(), b"a b", b"x" * 201])
def test_a_malformed_idempotency_key_is_refused(client: TestClient, put_ticket: PutTicket, key: bytes) -> None:
    put_ticket()
    headers = {b"Authorization": AUTH["Authorization"].encode(), b"Idempotency-Key": key}
    _error(client.post("/api/v1/tickets/RGV-1/updates", json={"text": "x"}, headers=headers), 400, "invalid_body")


@BOTH_BACKENDS
def test_an_update_moves_and_resolves_the_ticket(client: TestClient, put_ticket: PutTicket, kb: KnowledgeBase) -> None:
    put_ticket()
    last = kb.process.steps[-1]
    # Resolving before the last step: the ticket's own step stands in the way (409); naming a step that is not
    # the last, the update contradicts itself (422).
    early = client.post("/api/v1/tickets/RGV-1/updates", json={"resolved": True}, headers=AUTH)
    assert last.id in _error(early, 409, "not_final_step")["message"]
    step = kb.process.steps[1].id
    wrong = client.post("/api/v1/tickets/RGV-1/updates", json={"resolved": True, "step": step}, headers=AUTH)
    assert last.id in _error(wrong, 422, "not_final_step")["message"]
    # An update dated before the opening: the ticket's state refuses it, with a code of its own.
    before = {"text": "Plus tôt", "at": (NOW - timedelta(hours=2)).isoformat()}
    _error(client.post("/api/v1/tickets/RGV-1/updates", json=before, headers=AUTH), 409, "before_start")
    response = client.post(
        "/api/v1/tickets/RGV-1/updates", json={"text": "Résolu", "step": last.id, "resolved": True}, headers=AUTH
    )
    assert response.status_code == 201
    view = client.post("/api/v1/lookup", json={"call_id": CALL_ID}).json()
    assert view["resolved"]["text"] == "mardi 24\u00a0novembre 2026 à 14\u00a0h\u00a000"
    # Straight from the first step to the last: the optional step was not needed.
    optional = {s.id for s in kb.process.steps if s.optional}
    assert {s["id"]: s["state"] for s in view["progress"]} == {
        s.id: "skipped" if s.id in optional else "done" for s in kb.process.steps
    }
    assert view["next_update"] is None
    assert view["team"]["name"] == kb.team(last.team).name


@BOTH_BACKENDS
def test_delete_removes_the_ticket(client: TestClient, put_ticket: PutTicket) -> None:
    put_ticket()
    response = client.delete("/api/v1/tickets/RGV-1", headers=AUTH)
    assert (response.status_code, response.content) == (204, b"")
    _error(client.delete("/api/v1/tickets/RGV-1", headers=AUTH), 404, "not_found")
    _error(client.post("/api/v1/tickets/RGV-1/updates", json={"text": "x"}, headers=AUTH), 404, "not_found")


# --- everything else -----------------------------------------------------------------------------------


def test_health(client: TestClient) -> None:
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_unknown_paths_and_methods_answer_in_the_error_format(client: TestClient) -> None:
    _error(client.get("/api/v1/nothing"), 404, "not_found")
    response = client.get("/api/v1/lookup")
    _error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "POST"


def test_a_busy_database_is_a_503_to_retry(tmp_path: Path, kb: KnowledgeBase) -> None:
    path = tmp_path / "busy.sqlite3"
    store = SQLiteStore(path, timeout=0.05)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with TestClient(create_app(Settings(token=TOKEN), kb, store)) as client:
            response = client.put("/api/v1/tickets/RGV-1", json=ticket_body(kb), headers=AUTH)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    error = _error(response, 503, "busy")
    assert error["message"] == kb.tracking.result.unavailable
    assert response.headers["retry-after"] == "1"


def test_an_unexpected_failure_is_a_500_in_the_error_format(tmp_path: Path, kb: KnowledgeBase) -> None:
    class Broken(SQLiteStore):
        def by_call_id(self, call_id: str) -> None:
            raise RuntimeError("disk on fire")

    app = create_app(Settings(), kb, Broken(tmp_path / "s.sqlite3"))
    with TestClient(app, raise_server_exceptions=False) as client:
        error = _error(client.post("/api/v1/lookup", json={"call_id": CALL_ID}), 500, "internal")
    assert "disk" not in error["message"]


def test_cors_only_for_the_configured_origins(app_for: Callable[..., TestClient]) -> None:
    preflight = {"Origin": "https://aide.example.com", "Access-Control-Request-Method": "POST"}
    client = app_for(cors_origins=("https://aide.example.com",))
    allowed = client.options("/api/v1/lookup", headers=preflight)
    assert allowed.headers["access-control-allow-origin"] == "https://aide.example.com"
    other = client.options("/api/v1/lookup", headers={**preflight, "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    plain = app_for().post("/api/v1/lookup", json={"call_id": CALL_ID}, headers={"Origin": "https://aide.example.com"})
    assert "access-control-allow-origin" not in plain.headers


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.builds(
            lambda space, value: f'{space}{{{space}"call_id"{space}:{space}{value}{space}}}{space}'.encode(),
            st.sampled_from(["", " ", "\n\t", "\r\n  ", "\x0b", "\x0c"]),
            st.one_of(st.text(max_size=210).map(json.dumps), st.text(max_size=5), st.integers().map(str)),
        ),
        st.binary(max_size=60),
    )
)
def test_the_plain_lookup_body_is_read_as_json_reads_it(body: bytes) -> None:
    """The shortcut for {"call_id": "..."} takes exactly what the JSON parser and LookupIn would take."""
    plain = _PLAIN_LOOKUP.fullmatch(body)
    if plain is None:
        return
    parsed = json.loads(body.decode("utf-8"))
    assert parsed == {"call_id": plain.group(1).decode("ascii")}
    assert LookupIn.model_validate(parsed).call_id == parsed["call_id"]


def test_the_usual_lookup_bodies_take_the_shortcut() -> None:
    for body in ({"call_id": CALL_ID}, {"call_id": "2025 0312-1430 1548 7296"}, {"call_id": ""}):
        assert _PLAIN_LOOKUP.fullmatch(json.dumps(body).encode()) is not None
    assert _PLAIN_LOOKUP.fullmatch(json.dumps({"call_id": "é"}).encode()) is None  # escaped: the parser's job


@BOTH_BACKENDS
def test_a_lookup_shows_the_latest_updates_and_says_how_many_are_older(
    client: TestClient, put_ticket: PutTicket, kb: KnowledgeBase
) -> None:
    put_ticket()
    shown = kb.tracking.updates_shown
    for n in range(shown + 2):
        response = client.post("/api/v1/tickets/RGV-1/updates", json={"text": f"Point {n}"}, headers=AUTH)
        assert response.status_code == 201
    # Staff's answer carries the latest updates too, and the count of all.
    assert response.json()["update_count"] == shown + 2
    view = client.post("/api/v1/lookup", json={"call_id": CALL_ID}).json()
    assert [u["text"] for u in view["updates"]] == [f"Point {n}" for n in reversed(range(2, shown + 2))]
    assert view["older_updates"] == 2
    page = client.post("/suivi", data={"call_id": CALL_ID}).text
    assert kb.tracking.result.older_updates.replace("{count}", "2") in html.unescape(page)
