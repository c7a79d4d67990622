"""The generic webhook (other helpdesks) against `status-api serve` for real, signed in the test from the
documented formula: X-Status-Signature = "sha256=" + hex(HMAC-SHA256(secret, X-Status-Timestamp + "." + body))."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest

from kb_build import load
from status_api.domain.records import Ticket
from tests.status_api.applying import outcome
from tests.status_api.helpers import DATA, Server, opened, serve, served_on

SECRET = "un secret partagé avec l'outil de support"
URL_PATH = "/api/v1/hooks/generic"
KB = load(DATA)
_numbers = itertools.count(5000)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server per backend for the module (the tests use tickets of their own): on a SQLite file, then on
    a PostgreSQL database of its own."""
    running = served_on(request.param, request, tmp_path_factory.mktemp("generic"), STATUS_API_HOOK_SECRET=SECRET)
    yield running
    running.stop()


def sign(body: bytes, timestamp: str, secret: str = SECRET) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def deliver(
    server: Server,
    payload: dict[str, Any] | bytes,
    *,
    timestamp: str | None = None,
    secret: str = SECRET,
    signature: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx2.Response:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    timestamp = timestamp or str(int(time.time()))
    sent = {
        "Content-Type": "application/json",
        "X-Status-Timestamp": timestamp,
        "X-Status-Signature": signature if signature is not None else sign(body, timestamp, secret),
    }
    if headers is not None:
        sent = headers
    return httpx2.post(f"{server.url}{URL_PATH}", content=body, headers=sent, timeout=10)


def delivered(server: Server, payload: dict[str, Any] | bytes, **options: Any) -> str:
    """Deliver, then wait for the applier: what applying it did."""
    answer = deliver(server, payload, **options)
    assert answer.status_code == 202, answer.text
    return outcome(server, answer, "generic")


def change(ticket: str, *, at: datetime, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"delivery": f"d-{next(_numbers)}", "ticket": ticket, "at": at.isoformat()}
    body.update(fields)
    return body


def stored(server: Server, ticket: str) -> Ticket | None:
    store = opened(server.database)
    try:
        return store.get(Ticket, "HD-" + ticket)
    finally:
        store.close()


def new_ticket(server: Server, **fields: Any) -> tuple[str, str]:
    number = str(next(_numbers))
    call_id = f"2026120200{number:0>10}"
    at = datetime.now(UTC) - timedelta(minutes=30)
    answer = deliver(server, change(number, at=at, call_ids=[call_id], **fields))
    assert answer.status_code == 202, answer.text
    assert answer.json() == {"status": "accepted", "reference": f"HD-{number}", "delivery": answer.json()["delivery"]}
    assert outcome(server, answer, "generic") == "created"
    return number, call_id


def test_a_signed_delivery_creates_the_ticket_then_moves_it(server: Server) -> None:
    number, call_id = new_ticket(server, step="examen-technique", team="support-niveau-2", prioritised=True)
    ticket = stored(server, number)
    assert ticket is not None and ticket.call_ids == (call_id,)
    assert (ticket.step, ticket.team, ticket.prioritised) == ("examen-technique", "support-niveau-2", True)
    assert ticket.issue_type == KB.helpdesk.zendesk.issue_type.default
    later = datetime.now(UTC) - timedelta(minutes=5)
    body = change(
        number,
        at=later,
        step="ticket-developpement",
        team="developpement",
        issue_type="activation-portabilite",
        public_comment="Nous avons transmis votre dossier à l'équipe de développement.",
    )
    assert delivered(server, body) == "updated"
    ticket = stored(server, number)
    assert ticket is not None
    assert (ticket.step, ticket.team, ticket.issue_type) == (
        "ticket-developpement",
        "developpement",
        "activation-portabilite",
    )
    view = httpx2.post(f"{server.url}/api/v1/lookup", json={"call_id": call_id}).json()
    assert view["step"]["id"] == "ticket-developpement"
    assert view["updates"][0]["text"].startswith("Nous avons transmis")


def test_a_resolved_delivery_at_the_last_step_resolves_the_ticket(server: Server) -> None:
    number, _ = new_ticket(server)
    last = KB.process.steps[-1].id
    delivered(server, change(number, at=datetime.now(UTC) - timedelta(minutes=1), step=last, resolved=True))
    ticket = stored(server, number)
    assert ticket is not None and ticket.step == last and ticket.resolved_at is not None


def test_empty_placeholders_say_nothing(server: Server) -> None:
    number, _ = new_ticket(server, team="support")
    body = change(number, at=datetime.now(UTC) - timedelta(minutes=1), step="", team="", call_ids=[""])
    delivered(server, {**body, "ticket": int(number), "public_comment": " "})
    ticket = stored(server, number)
    assert ticket is not None and (ticket.step, ticket.team) == (KB.process.steps[0].id, "support")


@pytest.mark.parametrize(
    ("sending", "code"),
    [
        ({"secret": "un autre secret"}, "invalid_signature"),
        ({"signature": ""}, "invalid_signature"),
        ({"signature": "sha256=" + "0" * 64}, "invalid_signature"),
        ({"timestamp": timedelta(minutes=-6)}, "stale_timestamp"),
        ({"timestamp": timedelta(minutes=6)}, "stale_timestamp"),
        ({"timestamp": "hier"}, "stale_timestamp"),
    ],
)
def test_an_unsigned_or_stale_delivery_writes_nothing_and_tells_nothing(
    server: Server, sending: dict[str, Any], code: str
) -> None:
    number = str(next(_numbers))
    if isinstance(sending.get("timestamp"), timedelta):  # from the moment it is sent
        sending = {"timestamp": str(int((datetime.now(UTC) + sending["timestamp"]).timestamp()))}
    body = change(number, at=datetime.now(UTC), call_ids=["20261202009999999999"])
    answer = deliver(server, body, **sending)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == code
    assert number not in answer.text and "9999999999" not in answer.text
    assert stored(server, number) is None


def test_an_altered_body_or_missing_headers_fail_the_signature(server: Server) -> None:
    number = str(next(_numbers))
    body = json.dumps(change(number, at=datetime.now(UTC), call_ids=["20261202008888888888"])).encode()
    timestamp = str(int(time.time()))
    good = sign(body, timestamp)
    altered = body.replace(number.encode(), str(next(_numbers)).encode())
    answer = deliver(server, altered, timestamp=timestamp, signature=good)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "invalid_signature"
    # Signed as Zendesk signs (no "." between timestamp and body): not ours.
    zendesk_like = "sha256=" + hmac.new(SECRET.encode(), timestamp.encode() + body, hashlib.sha256).hexdigest()
    answer = deliver(server, body, timestamp=timestamp, signature=zendesk_like)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "invalid_signature"
    json_only = {"Content-Type": "application/json"}
    for headers in (
        json_only,
        {**json_only, "X-Status-Signature": good},
        {**json_only, "X-Status-Timestamp": timestamp},
    ):
        missing = deliver(server, body, headers=headers)
        assert missing.status_code == 401 and missing.json()["error"]["code"] == "invalid_signature"
    assert stored(server, number) is None


def test_without_a_secret_the_hook_writes_nothing_and_says_so(tmp_path: Path, database: str) -> None:
    # The Zendesk secret alone does not open the generic webhook.
    env = {
        "PATH": "/usr/bin:/bin",
        "STATUS_API_DB": database,
        "KB_DATA_DIR": str(DATA),
        "STATUS_API_ZENDESK_SECRET": SECRET,
    }
    running = serve(env, tmp_path / "server.log")
    try:
        answer = deliver(running, change("77", at=datetime.now(UTC), call_ids=["20261202007777777777"]))
        assert answer.status_code == 503
        assert answer.json()["error"]["code"] == "not_configured"
        assert "STATUS_API_HOOK_SECRET" in answer.json()["error"]["message"]
    finally:
        running.stop()
    store = opened(database)
    try:
        assert store.by_call_id("20261202007777777777") is None
    finally:
        store.close()


def test_the_same_delivery_twice_makes_one_change(server: Server) -> None:
    number, _ = new_ticket(server)
    body = change(number, at=datetime.now(UTC) - timedelta(minutes=2), public_comment="Une seule fois, merci.")
    first = deliver(server, body)
    # A retry: the same delivery, signed again later.
    time.sleep(1.1)
    again = deliver(server, body)
    assert (first.status_code, first.json()["status"]) == (202, "accepted")
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert outcome(server, first, "generic") == "updated"
    ticket = stored(server, number)
    assert ticket is not None and [u.text for u in ticket.updates].count("Une seule fois, merci.") == 1


def test_an_older_delivery_never_moves_a_ticket_backwards(server: Server) -> None:
    number, _ = new_ticket(server)
    now = datetime.now(UTC)
    newer = deliver(server, change(number, at=now - timedelta(minutes=1), step="mise-en-oeuvre", team="developpement"))
    older = deliver(server, change(number, at=now - timedelta(minutes=3), step="examen-technique", team="support"))
    assert (outcome(server, newer, "generic"), outcome(server, older, "generic")) == ("updated", "stale")
    ticket = stored(server, number)
    assert ticket is not None and (ticket.step, ticket.team) == ("mise-en-oeuvre", "developpement")


def test_a_comment_loses_its_email_addresses_and_phone_numbers(server: Server) -> None:
    number, call_id = new_ticket(server)
    comment = "Écrivez à jean.dupont@example.com ou au 06 12 34 56 78."
    delivered(server, change(number, at=datetime.now(UTC) - timedelta(minutes=1), public_comment=comment))
    ticket = stored(server, number)
    assert ticket is not None and ticket.updates[-1].text == "Écrivez à […] ou au […]."
    view = httpx2.post(f"{server.url}/api/v1/lookup", json={"call_id": call_id}).text
    assert "jean.dupont" not in view and "56 78" not in view


@pytest.mark.parametrize(
    ("field", "value"),
    [("step", "etape-inconnue"), ("team", "equipe-inconnue"), ("issue_type", "type-inconnu")],
)
def test_an_unknown_id_is_refused_with_the_allowed_ones(server: Server, field: str, value: str) -> None:
    number = str(next(_numbers))
    body = change(number, at=datetime.now(UTC), call_ids=["20261202006666666666"], **{field: value})
    answer = deliver(server, body)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    problem = error["details"][0] if "details" in error else error
    assert problem["code"] == "unknown_id"
    assert f"« {value} » n'est pas" in problem["message"]
    assert stored(server, number) is None


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{", 400),
        (b"\xff\xfe", 400),
        (b"[1, 2]", 422),
        (b'{"delivery": "d", "ticket": "1"}', 422),
        (b'{"delivery": "d", "ticket": "1", "at": "hier"}', 422),
        (b'{"delivery": "d", "ticket": "1", "at": "2026-12-02T10:00:00Z", "surprise": 1}', 422),
        (b'{"delivery": "d", "ticket": "1 2", "at": "2026-12-02T10:00:00Z"}', 422),
        (b'{"delivery": "d", "ticket": "1", "at": "2026-12-02T10:00:00Z", "call_ids": ["12"]}', 422),
    ],
)
def test_a_malformed_body_gets_a_json_error(server: Server, body: bytes, status: int) -> None:
    answer = deliver(server, body)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] in ("invalid_body", "invalid_call_id")


def test_a_change_dated_in_the_future_is_refused(server: Server) -> None:
    # Applied, it would make every later change of the ticket look older: the ticket would freeze.
    number, _ = new_ticket(server)
    answer = deliver(server, change(number, at=datetime.now(UTC) + timedelta(hours=2), step="mise-en-oeuvre"))
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["details"][0]["field"] == "at"
    ticket = stored(server, number)
    assert ticket is not None and ticket.step == KB.process.steps[0].id
    assert delivered(server, change(number, at=datetime.now(UTC), step="mise-en-oeuvre")) == "updated"


def test_a_ticket_without_call_id_is_not_a_ticket_of_ours(server: Server) -> None:
    number = str(next(_numbers))
    assert delivered(server, change(number, at=datetime.now(UTC), step="examen-technique")) == "unknown_ticket"
    assert stored(server, number) is None


def test_the_readme_s_openssl_recipe_signs_as_the_service_checks(server: Server) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        if os.environ.get("CI"):
            pytest.fail("openssl is not installed: the README's shell recipe cannot be checked")
        pytest.skip("openssl is not installed: the README's shell recipe cannot be run")
    number = str(next(_numbers))
    body = json.dumps(change(number, at=datetime.now(UTC), call_ids=[f"2026120200{number:0>10}"])).encode()
    timestamp = str(int(time.time()))
    # As in README.md, "Other helpdesks": printf '%s.%s' "$ts" "$body" | openssl dgst -sha256 -hmac "$secret"
    digest = subprocess.run(
        [openssl, "dgst", "-sha256", "-hmac", SECRET],
        input=timestamp.encode() + b"." + body,
        capture_output=True,
        check=True,
    ).stdout.decode()
    signature = "sha256=" + digest.strip().rsplit(" ", 1)[-1]
    answer = deliver(server, body, timestamp=timestamp, signature=signature)
    assert answer.status_code == 202 and outcome(server, answer, "generic") == "created", answer.text
