"""Zendesk's webhooks against `status-api serve` for real, signed in the test the way Zendesk documents it:
base64(HMAC-SHA256(secret, X-Zendesk-Webhook-Signature-Timestamp + raw body))."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest

from kb_build import load
from status_api.domain.records import Ticket
from tests.status_api.applying import outcome
from tests.status_api.helpers import DATA, Server, opened, run_cli, serve, served_on

SECRET = "dGhpcyBpcyBhIHplbmRlc2sgc2lnbmluZyBzZWNyZXQ"
KB = load(DATA)
ZD = KB.helpdesk.zendesk
CALL_FIELD = ZD.call_id_fields[0]
_numbers = itertools.count(1000)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server per backend for the module (the tests use tickets of their own): on a SQLite file, then on
    a PostgreSQL database of its own."""
    running = served_on(request.param, request, tmp_path_factory.mktemp("zendesk"), STATUS_API_ZENDESK_SECRET=SECRET)
    yield running
    running.stop()


def stamp(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


def sign(body: bytes, timestamp: str, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()).decode()


def deliver(
    server: Server,
    payload: dict[str, Any] | bytes,
    *,
    invocation: str | None = None,
    timestamp: str | None = None,
    secret: str = SECRET,
    signature: str | None = None,
) -> httpx2.Response:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    timestamp = timestamp or stamp()
    headers = {
        "Content-Type": "application/json",
        "X-Zendesk-Webhook-Signature-Timestamp": timestamp,
        "X-Zendesk-Webhook-Signature": signature if signature is not None else sign(body, timestamp, secret),
        "X-Zendesk-Webhook-Invocation-Id": invocation or f"inv-{next(_numbers)}",
    }
    return httpx2.post(f"{server.url}/api/v1/hooks/zendesk", content=body, headers=headers, timeout=10)


def delivered(server: Server, payload: dict[str, Any], **options: Any) -> str:
    """Deliver, then wait for the applier: what applying it did."""
    answer = deliver(server, payload, **options)
    assert answer.status_code == 202, answer.text
    return outcome(server, answer)


def trigger(number: str, *, at: datetime, call_id: str = "", **fields: Any) -> dict[str, Any]:
    """A trigger's body as Zendesk fills in the one `status-api zendesk trigger-body` prints."""
    ticket = {
        "id": number,
        "status": "open",
        "group_id": "",
        "group": "Support",
        "tags": "",
        "created_at": (at - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%MZ"),
        "updated_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "call_ids": [call_id],
        "issue_type": "",
        "public_comment": "",
    }
    ticket.update(fields)
    return {"source": "zendesk-trigger", "ticket": ticket}


def event(kind: str, number: str, *, at: datetime, event_id: str | None = None, **parts: Any) -> dict[str, Any]:
    detail = {"id": number, "status": "OPEN", "group_id": "0", "tags": [], "updated_at": stamp(at)}
    detail.update(parts.pop("detail", {}))
    return {
        "type": f"zen:event-type:{kind}",
        "account_id": 1,
        "id": event_id or f"evt-{next(_numbers)}",
        "time": stamp(at),
        "zendesk_event_version": "2022-11-06",
        "subject": f"zen:ticket:{number}",
        "detail": detail,
        "event": parts.get("event", {}),
    }


def stored(server: Server, number: str) -> Ticket | None:
    store = opened(server.database)
    try:
        return store.get(Ticket, ZD.reference_prefix + number)
    finally:
        store.close()


def new_ticket(server: Server, at: datetime | None = None, **fields: Any) -> tuple[str, str]:
    number = str(next(_numbers))
    call_id = f"2026120100{number:0>10}"
    at = at or datetime.now(UTC) - timedelta(minutes=30)
    assert delivered(server, trigger(number, at=at, call_id=call_id, **fields)) == "created"
    return number, call_id


def test_a_signed_trigger_creates_the_ticket_then_moves_it(server: Server) -> None:
    number, call_id = new_ticket(server, status="new", group="Support niveau 2", tags="vip perturbation")
    ticket = stored(server, number)
    assert ticket is not None and ticket.call_ids == (call_id,)
    assert (ticket.step, ticket.team, ticket.prioritised) == ("creation-ticket", "support-niveau-2", True)
    assert ticket.issue_type == ZD.issue_type.default
    later = datetime.now(UTC) - timedelta(minutes=5)
    answer = deliver(
        server,
        trigger(
            number,
            at=later,
            status="hold",
            group="Développement",
            issue_type="activation_portabilite",
            public_comment="Nous avons transmis votre dossier à l'équipe de développement.",
        ),
    )
    assert answer.status_code == 202
    assert answer.json() == {"status": "accepted", "reference": f"ZD-{number}", "delivery": answer.json()["delivery"]}
    assert outcome(server, answer) == "updated"
    ticket = stored(server, number)
    assert ticket is not None
    assert (ticket.step, ticket.team, ticket.issue_type) == (
        "ticket-developpement",
        "developpement",
        "activation-portabilite",
    )
    assert ticket.updates[-1].text == "Nous avons transmis votre dossier à l'équipe de développement."
    # What the customer sees, through the public lookup.
    view = httpx2.post(f"{server.url}/api/v1/lookup", json={"call_id": call_id}).json()
    assert view["step"]["id"] == "ticket-developpement"
    assert view["updates"][0]["text"].startswith("Nous avons transmis")


def test_a_solved_ticket_is_resolved_at_the_last_step(server: Server) -> None:
    number, _ = new_ticket(server)
    delivered(server, trigger(number, at=datetime.now(UTC) - timedelta(minutes=1), status="solved"))
    ticket = stored(server, number)
    assert ticket is not None and ticket.step == KB.process.steps[-1].id and ticket.resolved_at is not None


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"secret": "another secret"}, "invalid_signature"),
        ({"signature": ""}, "invalid_signature"),
        ({"timestamp": timedelta(minutes=-6)}, "stale_timestamp"),
        ({"timestamp": timedelta(minutes=6)}, "stale_timestamp"),
        ({"timestamp": "hier"}, "stale_timestamp"),
    ],
)
def test_an_unsigned_or_stale_delivery_writes_nothing_and_tells_nothing(
    server: Server, change: dict[str, Any], code: str
) -> None:
    number = str(next(_numbers))
    if isinstance(change.get("timestamp"), timedelta):  # from the moment it is sent
        change = {"timestamp": stamp(datetime.now(UTC) + change["timestamp"])}
    answer = deliver(server, trigger(number, at=datetime.now(UTC), call_id="20261201009999999999"), **change)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == code
    assert number not in answer.text and "9999999999" not in answer.text
    assert stored(server, number) is None


def test_an_altered_body_fails_its_signature(server: Server) -> None:
    number = str(next(_numbers))
    body = json.dumps(trigger(number, at=datetime.now(UTC), call_id="20261201008888888888")).encode()
    timestamp = stamp()
    good = sign(body, timestamp)
    altered = body.replace(b'"open"', b'"solved"')
    answer = deliver(server, altered, timestamp=timestamp, signature=good)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "invalid_signature"
    missing = httpx2.post(
        f"{server.url}/api/v1/hooks/zendesk", content=body, headers={"Content-Type": "application/json"}
    )
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "invalid_signature"
    assert stored(server, number) is None


def test_without_a_secret_the_hook_writes_nothing_and_says_so(tmp_path: Path, database: str) -> None:
    env = {"PATH": "/usr/bin:/bin", "STATUS_API_DB": database, "KB_DATA_DIR": str(DATA)}
    running = serve(env, tmp_path / "server.log")
    try:
        answer = deliver(running, trigger("77", at=datetime.now(UTC), call_id="20261201007777777777"))
        assert answer.status_code == 503
        assert answer.json()["error"]["code"] == "not_configured"
        assert "STATUS_API_ZENDESK_SECRET" in answer.json()["error"]["message"]
    finally:
        running.stop()
    store = opened(database)
    try:
        assert store.by_call_id("20261201007777777777") is None
    finally:
        store.close()


def test_the_same_delivery_twice_makes_one_change(server: Server) -> None:
    number, _ = new_ticket(server)
    body = trigger(number, at=datetime.now(UTC) - timedelta(minutes=2), public_comment="Une seule fois, merci.")
    first = deliver(server, body, invocation="inv-replayed")
    again = deliver(server, body, invocation="inv-replayed")
    assert (first.status_code, first.json()["status"]) == (202, "accepted")
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert outcome(server, first) == "updated"
    ticket = stored(server, number)
    assert ticket is not None and [u.text for u in ticket.updates].count("Une seule fois, merci.") == 1
    # An event delivered twice (Zendesk retries keep its id) too.
    comment = {"comment": {"id": "5", "body": "Par événement.", "is_public": True}}
    at = datetime.now(UTC) - timedelta(minutes=1)
    answers = [
        deliver(server, event("ticket.comment_added", number, at=at, event_id="evt-twice", event=comment))
        for _ in range(2)
    ]
    assert [answer.json()["status"] for answer in answers] == ["accepted", "duplicate"]
    outcome(server, answers[0])
    ticket = stored(server, number)
    assert ticket is not None and [u.text for u in ticket.updates].count("Par événement.") == 1


def test_an_older_delivery_never_moves_a_ticket_backwards(server: Server) -> None:
    number, _ = new_ticket(server)
    now = datetime.now(UTC)
    newer = deliver(server, trigger(number, at=now - timedelta(minutes=1), status="hold"))
    older = deliver(server, trigger(number, at=now - timedelta(minutes=3), status="new", group="Support niveau 2"))
    assert (outcome(server, newer), outcome(server, older)) == ("updated", "stale")
    ticket = stored(server, number)
    assert ticket is not None and (ticket.step, ticket.team) == ("ticket-developpement", "support")
    # Events alike: an older status change after a newer one changes nothing.
    delivered(
        server, event("ticket.status_changed", number, at=now - timedelta(seconds=30), detail={"status": "SOLVED"})
    )
    delivered(server, event("ticket.status_changed", number, at=now - timedelta(seconds=50), detail={"status": "NEW"}))
    ticket = stored(server, number)
    assert ticket is not None and ticket.step == KB.process.steps[-1].id


def test_an_internal_note_never_reaches_the_store(server: Server) -> None:
    number, call_id = new_ticket(server)
    at = datetime.now(UTC) - timedelta(minutes=1)
    note = {"comment": {"id": "9", "body": "Note interne : client difficile", "is_public": False}}
    delivered(server, event("ticket.comment_added", number, at=at, event=note))
    public = {"comment": {"body": "Écrivez à jean.dupont@example.com ou au 06 12 34 56 78.", "is_public": True}}
    delivered(server, event("ticket.comment_added", number, at=at, event=public))
    ticket = stored(server, number)
    assert ticket is not None
    texts = [u.text or "" for u in ticket.updates]
    assert not any("interne" in text for text in texts)
    assert texts[-1] == "Écrivez à […] ou au […]."
    view = httpx2.post(f"{server.url}/api/v1/lookup", json={"call_id": call_id}).text
    assert "interne" not in view and "jean.dupont" not in view


def test_unmapped_values_leave_the_ticket_as_it_was(server: Server) -> None:
    number, _ = new_ticket(server, status="hold")
    delivered(
        server,
        trigger(
            number,
            at=datetime.now(UTC) - timedelta(minutes=1),
            status="inconnu",
            group="Groupe inconnu",
            issue_type="valeur_inconnue",
        ),
    )
    ticket = stored(server, number)
    assert ticket is not None and (ticket.step, ticket.team) == ("ticket-developpement", "support")
    assert ticket.issue_type == ZD.issue_type.default
    assert "status 'inconnu' is not in data/helpdesk.yml" in server.log.read_text()


def test_unknown_event_types_are_acknowledged_and_ignored(server: Server) -> None:
    for kind in ("user.active_changed", "ticket.brand_changed", "organization.created"):
        answer = deliver(server, event(kind, "1", at=datetime.now(UTC)))
        assert answer.status_code == 200 and answer.json() == {"status": "ignored"}


def test_an_event_for_a_ticket_without_call_id_is_not_a_ticket_of_ours(server: Server) -> None:
    number = str(next(_numbers))
    assert delivered(server, event("ticket.created", number, at=datetime.now(UTC))) == "unknown_ticket"
    field = {"custom_field": {"id": CALL_FIELD}, "current": "2026 1201 0012 3456 7890", "previous": None}
    assert (
        delivered(server, event("ticket.custom_field_changed", number, at=datetime.now(UTC), event=field)) == "created"
    )
    ticket = stored(server, number)
    assert ticket is not None and ticket.call_ids == ("20261201001234567890",)


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"{", 400), (b"[1, 2]", 422), (b'{"type": 5}', 422), (b'{"source": "zendesk-trigger", "ticket": {}}', 422)],
)
def test_a_malformed_body_gets_a_json_error(server: Server, body: bytes, status: int) -> None:
    answer = deliver(server, body)
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == "invalid_body"


def test_an_oversized_body_is_refused(server: Server) -> None:
    body = json.dumps(trigger("1", at=datetime.now(UTC), public_comment="x" * 70_000)).encode()
    answer = deliver(server, body)
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "body_too_large"


def test_fifty_concurrent_deliveries_all_land(server: Server) -> None:
    number, _ = new_ticket(server)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=4)
    bodies = [trigger(number, at=start + timedelta(seconds=i), public_comment=f"Message {i}.") for i in range(50)]
    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(lambda body: deliver(server, body), bodies))
    assert all(answer.status_code == 202 for answer in answers), [a.text for a in answers if a.status_code != 202]
    assert {outcome(server, answer) for answer in answers} <= {"updated", "stale"}
    ticket = stored(server, number)
    # Every public comment shows, whatever the order they came in; the state is the latest one's.
    assert ticket is not None and ticket.update_count == 50
    assert ticket.helpdesk_at == start + timedelta(seconds=49)


def test_the_trigger_body_names_the_mapped_fields() -> None:
    printed = run_cli("zendesk", "trigger-body", env={})
    assert printed.returncode == 0, printed.stderr
    body = json.loads(printed.stdout)
    assert body["source"] == "zendesk-trigger"
    assert body["ticket"]["call_ids"] == [f"{{{{ticket.ticket_field_{CALL_FIELD}}}}}"]
    assert "{{comment.value}}" in body["ticket"]["public_comment"]
    assert "name}}" not in body["ticket"]["public_comment"]
