"""Bad bodies on every JSON door: a 4xx JSON error with a stable code, never a 5xx."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from starlette.testclient import TestClient

from status_api.http.bodies import MAX_BODY
from tests.hardening.conftest import AUTH, CALL_ID

DOORS = [
    ("POST", "/api/v1/lookup"),
    ("PUT", "/api/v1/tickets/RGV-1"),
    ("POST", "/api/v1/tickets/RGV-1/updates"),
]
JSON = {"Content-Type": "application/json"}


def nested(depth: int) -> bytes:
    return b'{"call_id": ' + b"[" * depth + b"]" * depth + b"}"


BAD_BODIES: list[tuple[str, bytes, dict[str, str], int, str]] = [
    ("oversized", b'{"call_id": "' + b"1" * MAX_BODY + b'"}', JSON, 413, "body_too_large"),
    ("not JSON", b"call_id=1234", JSON, 400, "invalid_body"),
    ("truncated", b'{"call_id": "1234', JSON, 400, "invalid_body"),
    ("not UTF-8", b'{"call_id": "\xff\xfe"}', JSON, 400, "invalid_body"),
    ("another media type", b'{"call_id": "1"}', {"Content-Type": "text/plain"}, 415, "unsupported_media_type"),
    ("no media type", b'{"call_id": "1"}', {}, 415, "unsupported_media_type"),
    ("empty", b"", JSON, 400, "invalid_body"),
    ("deeply nested", nested(20_000), JSON, 400, "invalid_body"),
    ("nested within reason", nested(200), JSON, 422, ""),
    ("an array", b"[]", JSON, 422, ""),
    ("a string", b'"20261124120000000001"', JSON, 422, ""),
    ("null", b"null", JSON, 422, ""),
    ("a number where text goes", b'{"call_id": 20261124120000000001, "text": 1, "step": 2}', JSON, 422, ""),
    ("NaN", b'{"call_id": NaN}', JSON, 422, ""),
    ("a huge number", b'{"call_id": 1' + b"0" * 5000 + b"}", JSON, 400, "invalid_body"),
    ("unknown fields", b'{"call_id": "1", "admin": true, "x": {}}', JSON, 422, ""),
]


@pytest.mark.parametrize(("method", "path"), DOORS)
@pytest.mark.parametrize(
    ("body", "headers", "status", "code"), [case[1:] for case in BAD_BODIES], ids=[case[0] for case in BAD_BODIES]
)
def test_bad_bodies_get_a_json_4xx(
    with_ticket: Callable[..., TestClient],
    method: str,
    path: str,
    body: bytes,
    headers: dict[str, str],
    status: int,
    code: str,
) -> None:
    client = with_ticket(limits=None, lookup_floor=0)
    response = client.request(method, path, content=body, headers={**headers, **AUTH})
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["message"]
    if code:
        assert error["code"] == code
    else:
        assert error["code"] in ("invalid_body", "invalid_call_id", "unknown_id")


@pytest.mark.parametrize("body", [nested(20_000), b'{"call_id": 1' + b"0" * 5000 + b"}"], ids=["nested", "huge number"])
def test_a_body_too_complex_to_read_is_told_as_such(with_ticket: Callable[..., TestClient], body: bytes) -> None:
    client = with_ticket(limits=None, lookup_floor=0)
    response = client.post("/api/v1/lookup", content=body, headers=JSON)
    assert response.status_code == 400
    # Not "not valid JSON at line 1, column 1": the JSON is well formed, only more than any field takes.
    assert "trop imbriqué" in response.json()["error"]["message"]


def chunks(total: int) -> Iterator[bytes]:
    yield b'{"call_id": "'
    for _ in range(total // 4096):
        yield b"1" * 4096
    yield b'"}'


def test_a_body_without_a_declared_length_is_cut_at_the_limit(with_ticket: Callable[..., TestClient]) -> None:
    client = with_ticket(limits=None, lookup_floor=0)
    response = client.post("/api/v1/lookup", content=chunks(4 * MAX_BODY), headers=JSON)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"


def test_a_body_longer_than_it_declared_is_refused(with_ticket: Callable[..., TestClient]) -> None:
    client = with_ticket(limits=None, lookup_floor=0)
    # The client lies about the length: the server counts what comes, not what was announced.
    response = client.post("/api/v1/lookup", content=chunks(2 * MAX_BODY), headers={**JSON, "Content-Length": "20"})
    assert response.status_code in (400, 413)


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"call_id=" + b"1" * 5000, {"Content-Type": "application/x-www-form-urlencoded"}, 413),
        (b'{"call_id": "1"}', {"Content-Type": "application/json"}, 415),
        (b"call_id=%ff%fe", {"Content-Type": "application/x-www-form-urlencoded"}, 400),
        (b"&".join(b"f%d=1" % n for n in range(100)), {"Content-Type": "application/x-www-form-urlencoded"}, 400),
    ],
    ids=["oversized", "JSON", "not UTF-8", "too many fields"],
)
def test_bad_forms_get_the_page_with_a_4xx(
    with_ticket: Callable[..., TestClient], body: bytes, headers: dict[str, str], status: int
) -> None:
    client = with_ticket(limits=None, lookup_floor=0)
    response = client.post("/suivi", content=body, headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")


def test_a_paste_too_long_for_the_form_is_told_it_is_no_call_id(with_ticket: Callable[..., TestClient]) -> None:
    client = with_ticket(limits=None, lookup_floor=0)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    response = client.post("/suivi", content=b"call_id=" + b"1" * 5000, headers=form)
    # What the customer pasted is not a call ID: the page says what one looks like, as for any wrong entry.
    shown = client.post("/suivi", content=b"call_id=abc", headers=form).text
    assert response.status_code == 413
    assert "Call ID" in response.text and "formulaire" not in response.text
    assert response.text.split("<main", 1)[-1] == shown.split("<main", 1)[-1].replace(' value="abc"', "")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"call_id": "%s"}', "application/json"),
        (b'\xef\xbb\xbf{"call_id": "%s"}', "application/json"),
        (b'{"call_id": "%s"}', "Application/JSON; charset=UTF-8"),
        (b'{"call_id": "%s"}', "application/problem+json"),
        (b'  {\n  "call_id" : "%s"\n}\n', "application/json"),
        (b'{"call_id": "\\u0032%s"}', "application/json"),
    ],
    ids=["plain", "byte order mark", "parameters and capitals", "a +json type", "spaced out", "escaped"],
)
def test_well_formed_lookups_in_any_shape_get_the_same_answer(
    with_ticket: Callable[..., TestClient], body: bytes, content_type: str
) -> None:
    client = with_ticket(limits=None, lookup_floor=0)
    # The escaped case spells its first digit as \u0032 ("2"): the rest follows.
    call_id = CALL_ID[1:] if b"\\u0032" in body else CALL_ID
    response = client.post("/api/v1/lookup", content=body % call_id.encode(), headers={"Content-Type": content_type})
    assert response.status_code == 200, response.text
    assert response.json()["reference"] == "RGV-1"


def test_a_lookup_body_sent_in_pieces_is_read_whole(with_ticket: Callable[..., TestClient]) -> None:
    client = with_ticket(limits=None, lookup_floor=0)
    pieces = iter([b'{"call_', b'id": "', CALL_ID.encode()[:7], CALL_ID.encode()[7:], b'"}'])
    response = client.post("/api/v1/lookup", content=pieces, headers=JSON)
    assert response.status_code == 200, response.text
