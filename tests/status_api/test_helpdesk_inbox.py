"""The helpdesks' inbox against `status-api serve` for real: a delivery is answered once kept, applied by the
applier soon after, once, and survives the service dying in between; on PostgreSQL two instances share the
inbox and apply each delivery once."""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from status_api.domain.records import Ticket
from tests.status_api.applying import outcome
from tests.status_api.helpers import DATA, Server, opened, serve
from tests.status_api.test_zendesk_hook import SECRET, ZD, deliver, trigger


def _env(database: str, **more: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "STATUS_API_DB": database,
        "KB_DATA_DIR": str(DATA),
        "STATUS_API_RATE_LIMIT": "off",
        "STATUS_API_ZENDESK_SECRET": SECRET,
        **more,
    }


@pytest.fixture
def server(tmp_path: Path, database: str) -> Iterator[Server]:
    running = serve(_env(database), tmp_path / "server.log")
    yield running
    running.stop()


def _stored(database: str, number: str) -> Ticket | None:
    store = opened(database)
    try:
        return store.get(Ticket, ZD.reference_prefix + number)
    finally:
        store.close()


def _body(number: str, minutes_ago: float = 30, **fields: str) -> dict[str, object]:
    at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return trigger(number, at=at, call_id=f"2026120300{number:0>10}", **fields)


def test_a_delivery_is_accepted_then_applied_and_logged(server: Server) -> None:
    answer = deliver(server, _body("5001"), invocation="inv-inbox-1")
    assert answer.status_code == 202
    assert answer.json() == {"status": "accepted", "reference": "ZD-5001", "delivery": "inv-inbox-1"}
    assert outcome(server, answer) == "created"
    ticket = _stored(server.database, "5001")
    assert ticket is not None and ticket.call_ids == ("20261203000000005001",)
    assert "zendesk delivery inv-inbox-1 for ZD-5001: created" in server.log.read_text()


def test_the_same_delivery_twice_is_one_update_and_a_duplicate(server: Server) -> None:
    assert outcome(server, deliver(server, _body("5002"))) == "created"
    body = _body("5002", minutes_ago=1, public_comment="Une seule fois.")
    first = deliver(server, body, invocation="inv-inbox-twice")
    again = deliver(server, body, invocation="inv-inbox-twice")
    assert (first.status_code, first.json()["status"]) == (202, "accepted")
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert outcome(server, first) == "updated"
    ticket = _stored(server.database, "5002")
    assert ticket is not None and [update.text for update in ticket.updates].count("Une seule fois.") == 1
    assert server.log.read_text().count("zendesk delivery inv-inbox-twice for ZD-5002: updated") == 1


def test_a_delivery_the_rules_refuse_is_logged_not_applied(server: Server) -> None:
    assert outcome(server, deliver(server, _body("5003"))) == "created"
    # Another ticket with the same call ID: the tickets' rules refuse it, once the helpdesk has its 202.
    taken = trigger("5004", at=datetime.now(UTC), call_id="20261203000000005003")
    answer = deliver(server, taken, invocation="inv-inbox-taken")
    assert answer.status_code == 202
    assert outcome(server, answer) == "refused"
    assert _stored(server.database, "5004") is None
    log = server.log.read_text()
    assert re.search(r"zendesk delivery inv-inbox-taken for ZD-5004: not applied: \S", log)
    # The refusal quotes the call ID: the log masks it, as the lookup's lines do.
    assert "…5003" in log and "20261203000000005003" not in log


def test_a_delivery_accepted_by_a_service_killed_before_applying_is_applied_at_the_next_start(
    tmp_path: Path, database: str
) -> None:
    # An instance that does not apply, killed outright (no shutdown, no flush): what it accepted is in the inbox.
    accepting = serve(_env(database, STATUS_API_HELPDESK_APPLIER="off"), tmp_path / "first.log")
    try:
        answer = deliver(accepting, _body("5005"), invocation="inv-inbox-killed")
        assert answer.status_code == 202
    finally:
        os.kill(accepting.pid, signal.SIGKILL)
        accepting.process.wait(timeout=15)
    assert _stored(database, "5005") is None
    store = opened(database)
    try:
        assert store.received_outcome("zendesk", "inv-inbox-killed") is None
    finally:
        store.close()
    restarted = serve(_env(database), tmp_path / "second.log")
    try:
        assert outcome(restarted, answer) == "created"
        assert _stored(database, "5005") is not None
        assert "zendesk delivery inv-inbox-killed for ZD-5005: created" in restarted.log.read_text()
    finally:
        restarted.stop()


def test_two_instances_on_one_cluster_apply_each_delivery_of_a_burst_once(tmp_path: Path, pg_url: str) -> None:
    servers = [serve(_env(pg_url), tmp_path / f"instance-{n}.log") for n in (1, 2)]
    try:
        numbers = [str(6000 + n) for n in range(10)]
        with ThreadPoolExecutor(50) as pool:
            created = list(pool.map(lambda n: deliver(servers[int(n) % 2], _body(n)), numbers))
            assert {outcome(servers[0], answer) for answer in created} == {"created"}
            # A burst: five comments for each ticket, half to each instance, all at once.
            bodies = [
                (servers[i % 2], _body(n, minutes_ago=10 - i, public_comment=f"Point {i}."))
                for n in numbers
                for i in range(5)
            ]
            answers = list(pool.map(lambda sent: deliver(sent[0], sent[1]), bodies))
        assert all(answer.status_code == 202 for answer in answers), [a.text for a in answers]
        assert {outcome(servers[0], answer) for answer in answers} == {"updated"}
        logs = "".join(server.log.read_text() for server in servers)
        for answer in [*created, *answers]:
            delivery = answer.json()["delivery"]
            assert logs.count(f"zendesk delivery {delivery} for ") == 1, delivery
        for n in numbers:
            ticket = _stored(pg_url, n)
            assert ticket is not None and ticket.update_count == 5
    finally:
        for server in servers:
            server.stop()
