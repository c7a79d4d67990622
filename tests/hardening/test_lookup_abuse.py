"""The public lookup under abuse: rate limits on both doors, and answers that tell nothing about which IDs exist."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from ipaddress import ip_network
from pathlib import Path

import httpx2
from starlette.testclient import TestClient

from kb_build.model import KnowledgeBase
from status_api.app import create_app
from status_api.config import Limits, Rate, Settings
from status_api.storage import SQLiteStore
from tests.hardening.conftest import AUTH, CALL_ID
from tests.status_api.helpers import NOW

UNKNOWN = "20261124120000000999"
# Fast enough for the test, the same shape as the defaults: a burst, then a steady rate.
SMALL = Limits(lookups=Rate(10, 60), burst=3, misses=Rate(100, 3600))


def lookup(client: TestClient, call_id: str) -> httpx2.Response:
    return client.post("/api/v1/lookup", json={"call_id": call_id})


def test_the_api_answers_429_after_the_burst(with_ticket: Callable[..., TestClient], kb: KnowledgeBase) -> None:
    client = with_ticket(limits=SMALL, lookup_floor=0)
    assert [lookup(client, CALL_ID).status_code for _ in range(3)] == [200, 200, 200]
    refused = lookup(client, CALL_ID)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "6"  # the next token, at 10 a minute
    assert refused.headers["cache-control"] == "no-store"
    error = refused.json()["error"]
    assert error["code"] == "rate_limited"
    assert error["message"] == kb.tracking.result.rate_limited
    assert error["help"]["howto"]["url"].startswith("/")


def test_the_page_answers_429_in_the_help_center_frame(
    with_ticket: Callable[..., TestClient], kb: KnowledgeBase, built_site: Path
) -> None:
    client = with_ticket(limits=SMALL, lookup_floor=0, site_dir=built_site)
    for _ in range(3):
        assert client.post("/suivi", data={"call_id": UNKNOWN}).status_code == 404
    refused = client.post("/suivi", data={"call_id": CALL_ID})
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("text/html")
    assert refused.headers["retry-after"]
    assert html.escape(kb.tracking.result.rate_limited, quote=False) in refused.text
    assert 'class="md-header' in refused.text  # the site's own page, not a bare error


def test_both_doors_share_one_budget(with_ticket: Callable[..., TestClient]) -> None:
    client = with_ticket(limits=SMALL, lookup_floor=0)
    lookup(client, CALL_ID)
    client.post("/suivi", data={"call_id": CALL_ID})
    lookup(client, CALL_ID)
    assert client.post("/suivi", data={"call_id": CALL_ID}).status_code == 429


def test_other_routes_are_not_counted(with_ticket: Callable[..., TestClient]) -> None:
    client = with_ticket(limits=SMALL, lookup_floor=0)
    for _ in range(10):
        assert client.get("/suivi").status_code == 200
        assert client.get("/healthz").status_code == 200
    assert lookup(client, CALL_ID).status_code == 200


def test_spent_misses_refuse_every_lookup_found_or_not(with_ticket: Callable[..., TestClient]) -> None:
    client = with_ticket(limits=Limits(lookups=Rate(1000, 1), burst=1000, misses=Rate(3, 3600)), lookup_floor=0)
    assert [lookup(client, f"3026112412000000{n:04d}").status_code for n in range(3)] == [404, 404, 404]
    # Found tickets are refused too: a 429 for misses only would say which IDs exist.
    found, unknown = lookup(client, CALL_ID), lookup(client, UNKNOWN)
    assert found.status_code == unknown.status_code == 429
    assert found.content == unknown.content
    assert found.headers["retry-after"] == unknown.headers["retry-after"] == "1200"


def test_found_tickets_do_not_spend_the_miss_budget(with_ticket: Callable[..., TestClient]) -> None:
    client = with_ticket(limits=Limits(lookups=Rate(1000, 1), burst=1000, misses=Rate(2, 3600)), lookup_floor=0)
    assert {lookup(client, CALL_ID).status_code for _ in range(20)} == {200}


def _comparable(response: httpx2.Response) -> tuple[int, bytes, tuple[tuple[str, str], ...]]:
    headers = tuple(sorted((k, v) for k, v in response.headers.items() if k not in ("date", "server")))
    return response.status_code, response.content, headers


def test_rate_limited_answers_are_the_same_for_every_id(with_ticket: Callable[..., TestClient]) -> None:
    client = with_ticket(limits=Limits(lookups=Rate(1, 3600), burst=1), lookup_floor=0)
    lookup(client, UNKNOWN)
    pasted = "2026 1124-1200 0000 0001"
    answers = {_comparable(lookup(client, call_id)) for call_id in (CALL_ID, UNKNOWN, pasted, "30261124120000009999")}
    assert len(answers) == 1
    assert next(iter(answers))[0] == 429
    # An entry that is no call ID is refused for what it is, budget spent or not: it reads nothing.
    assert lookup(client, "pas un numéro").status_code == 422


def test_entries_refused_as_malformed_spend_no_budget(with_ticket: Callable[..., TestClient]) -> None:
    # A person correcting a paste is not locked out: only real lookups spend the budget, on both doors.
    client = with_ticket(limits=SMALL, lookup_floor=0)
    typos = ["202611241200000", "2026 1124 1200 0000 000l", "", "RGV-2026-0101", "1" * 200]
    for _ in range(4):
        for typo in typos:
            assert lookup(client, typo).status_code == 422
            assert client.post("/suivi", data={"call_id": typo}).status_code == 422
            assert client.post("/en/suivi", data={"call_id": typo}).status_code == 422  # each language's door
    assert [lookup(client, CALL_ID).status_code for _ in range(3)] == [200, 200, 200]
    assert lookup(client, CALL_ID).status_code == 429


def test_unknown_ids_get_one_answer_whether_the_ticket_never_existed_or_is_gone(
    with_ticket: Callable[..., TestClient],
) -> None:
    client = with_ticket(limits=None, lookup_floor=0)
    assert client.delete("/api/v1/tickets/RGV-1", headers=AUTH).status_code == 204
    gone, never = lookup(client, CALL_ID), lookup(client, UNKNOWN)
    pasted = lookup(client, "2026 1124-1200 0000 0999")
    assert gone.status_code == 404
    assert _comparable(gone) == _comparable(never) == _comparable(pasted)
    # On the page, only the echo of what the customer typed differs.
    gone_page = client.post("/suivi", data={"call_id": CALL_ID})
    never_page = client.post("/suivi", data={"call_id": UNKNOWN})
    assert gone_page.status_code == never_page.status_code == 404
    assert gone_page.text.replace(CALL_ID, "ID") == never_page.text.replace(UNKNOWN, "ID")


def test_malformed_ids_get_one_answer(with_ticket: Callable[..., TestClient]) -> None:
    client = with_ticket(limits=None, lookup_floor=0)
    malformed = ["abc", "12", "1" * 60, CALL_ID + "x", "2026\u00a01124 ☎", CALL_ID[:-1] + "/"]
    answers = {_comparable(lookup(client, raw)) for raw in malformed}
    assert len(answers) == 1
    assert next(iter(answers))[0] == 422


def test_a_trusted_proxy_names_the_client_and_nobody_else_can(kb: KnowledgeBase, store: SQLiteStore) -> None:
    limits = Limits(lookups=Rate(1, 3600), burst=1)

    def client(peer: str) -> TestClient:
        settings = Settings(limits=limits, lookup_floor=0, trusted_proxies=(ip_network("10.0.0.0/8"),))
        return TestClient(create_app(settings, kb, store, clock=lambda: NOW), client=(peer, 40000))

    def status(http: TestClient, forwarded: str) -> int:
        headers = {"X-Forwarded-For": forwarded}
        return http.post("/api/v1/lookup", json={"call_id": UNKNOWN}, headers=headers).status_code

    with client("10.0.0.2") as proxy:
        # Behind the proxy, each customer has a budget of their own.
        assert [status(proxy, f"198.51.100.{n}") for n in range(5)] == [404] * 5
        assert status(proxy, "198.51.100.1") == 429
        # What a customer writes in the header themselves is left of what the proxy adds: it changes nothing.
        assert status(proxy, "203.0.113.77, 198.51.100.1") == 429
    with client("203.0.113.5") as direct:
        # Not a proxy: its header is ignored, whatever it claims.
        assert status(direct, "198.51.100.20") == 404
        assert status(direct, "198.51.100.21") == 429


def test_a_ticket_reference_gets_its_own_help_and_tells_nothing(with_ticket: Callable[..., TestClient]) -> None:
    client = with_ticket(limits=None, lookup_floor=0)
    # RGV-1 exists, RGV-2026-0101 does not here: both shapes of a reference get the same help, byte for byte.
    answers = {_comparable(lookup(client, reference)) for reference in ("RGV-1", "RGV-2026-0101", " rgv 2026 0999 ")}
    assert len(answers) == 1
    status, body, _ = next(iter(answers))
    assert status == 422
    assert "référence de ticket" in json.loads(body)["error"]["message"]
    page = client.post("/suivi", data={"call_id": "RGV-2026-0101"})
    assert page.status_code == 422 and "référence de ticket" in html.unescape(page.text)
    # In English too, on its tracker and in the JSON a client asks in English.
    english = client.post("/en/suivi", data={"call_id": "RGV-2026-0101"})
    assert english.status_code == 422 and "You entered a ticket reference" in html.unescape(english.text)
    asked = client.post("/api/v1/lookup", json={"call_id": "RGV-1"}, headers={"Accept-Language": "en"})
    assert "You entered a ticket reference" in asked.json()["error"]["message"]
    # Anything else that is no call ID keeps the format help.
    assert "référence de ticket" not in lookup(client, "abc").json()["error"]["message"]
