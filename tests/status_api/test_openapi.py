from __future__ import annotations

from typing import Any

import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate
from starlette.routing import Route
from starlette.testclient import TestClient

from kb_build.model import KnowledgeBase
from status_api.domain.payloads import kb_ids
from tests.status_api.helpers import AUTH, CALL_ID, ticket_body

METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def _operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(path, method.upper()) for path, item in document["paths"].items() for method in item if method in METHODS}


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_ids_are_enums_generated_from_the_yaml(document: dict[str, Any], kb: KnowledgeBase) -> None:
    schemas = document["components"]["schemas"]
    ids = kb_ids(kb)
    ticket = schemas["TicketIn"]["properties"]
    assert ticket["step"]["enum"] == list(ids["step"])
    assert ticket["issue_type"]["enum"] == list(ids["issue_type"])
    assert ticket["team"]["anyOf"][0]["enum"] == list(ids["team"])
    assert ticket["skipped_steps"]["items"]["enum"] == list(ids["optional_step"])
    assert schemas["UpdateIn"]["properties"]["step"]["anyOf"][0]["enum"] == list(ids["step"])
    assert "x-kb-ids" not in str(document)


def test_every_route_is_documented_and_every_documented_route_exists(
    client: TestClient, document: dict[str, Any]
) -> None:
    routes = {
        (route.path, method)
        for route in client.app.routes  # type: ignore[attr-defined]
        if isinstance(route, Route) and route.include_in_schema
        for method in route.methods or ()
        if method != "HEAD"
    }
    assert routes == _operations(document)


def _call(client: TestClient, path: str, method: str, auth: bool) -> Any:
    url = path.replace("{reference}", "RGV-1")
    headers = AUTH if auth else {}
    if method == "POST" and path == "/suivi":
        return client.post(url, data={"call_id": CALL_ID})
    if method in ("POST", "PUT"):
        body: dict[str, Any] = {"text": "x"} if url.endswith("/updates") else {"call_id": CALL_ID}
        return client.request(method, url, json=body, headers=headers)
    return client.request(method, url, headers=headers)


@pytest.mark.parametrize("auth", [False, True])
def test_every_documented_operation_answers_with_a_documented_status(
    client: TestClient, document: dict[str, Any], auth: bool
) -> None:
    for path, method in sorted(_operations(document)):
        operation = document["paths"][path][method.lower()]
        response = _call(client, path, method, auth)
        assert str(response.status_code) in operation["responses"], (path, method, response.status_code)
        documented = operation["responses"][str(response.status_code)].get("content", {})
        if documented:
            media_type = response.headers["content-type"].split(";")[0]
            assert media_type in documented, (path, method, media_type)


def _validator(document: dict[str, Any], name: str) -> Any:
    return OAS31Validator({"$ref": f"#/components/schemas/{name}", "components": document["components"]})


def test_real_answers_match_their_schemas(client: TestClient, document: dict[str, Any], kb: KnowledgeBase) -> None:
    body = ticket_body(
        kb, skipped_steps=[s.id for s in kb.process.steps if s.optional][:1], step=kb.process.steps[-2].id
    )
    _validator(document, "TicketIn").validate(body)
    created = client.put("/api/v1/tickets/RGV-1", json=body, headers=AUTH)
    _validator(document, "Ticket").validate(created.json())
    updated = client.post("/api/v1/tickets/RGV-1/updates", json={"text": "x"}, headers=AUTH)
    _validator(document, "Ticket").validate(updated.json())
    found = client.post("/api/v1/lookup", json={"call_id": CALL_ID})
    _validator(document, "TicketView").validate(found.json())
    for error in (
        client.post("/api/v1/lookup", json={"call_id": "99999999999999999999"}),
        client.post("/api/v1/lookup", json={"call_id": "abc"}),
        client.put("/api/v1/tickets/RGV-2", json=ticket_body(kb, step="x"), headers=AUTH),
        client.put("/api/v1/tickets/RGV-2", json=ticket_body(kb)),
    ):
        _validator(document, "ErrorBody").validate(error.json())
