"""Forged forwarding headers, over sockets against `status-api serve`: the budget is the peer's unless a proxy
that the service was told to trust says otherwise, and nothing a client writes becomes a limiter key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx2

from tests.status_api.helpers import Server

UNKNOWN = "20261124120000000999"
LIMITED = {"STATUS_API_RATE_LIMIT": "on", "STATUS_API_LOOKUP_BURST": "5", "STATUS_API_LOOKUP_FLOOR_MS": "0"}


def lookup(http: httpx2.Client, forwarded: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    return http.post("/api/v1/lookup", json={"call_id": UNKNOWN}, headers=headers).status_code


def test_an_untrusted_peer_cannot_choose_its_address(start_server: Callable[..., Server]) -> None:
    # 127.0.0.1 is uvicorn's default trusted proxy: the service must not inherit that trust.
    server = start_server(**LIMITED)
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        statuses = [lookup(http, f"198.51.100.{n}") for n in range(12)]
    assert statuses == [404] * 5 + [429] * 7
    # The access log shows the peer, not what the client claimed.
    log = server.stop()
    assert "198.51.100." not in log
    assert "127.0.0.1:" in log


def test_a_trusted_proxy_names_each_client(start_server: Callable[..., Server]) -> None:
    server = start_server(STATUS_API_TRUSTED_PROXIES="127.0.0.1", **LIMITED)
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        # Behind the proxy, each customer has a budget of their own...
        assert [lookup(http, f"198.51.100.{n}") for n in range(8)] == [404] * 8
        # ...and what a customer writes to the left of what the proxy adds changes nothing.
        assert [lookup(http, f"203.0.113.{n}, 198.51.100.1") for n in range(5)] == [404] * 4 + [429]
    log = server.stop()
    assert "198.51.100.3:0" in log  # the access log names the client the proxy vouched for


def test_garbage_in_the_header_is_no_new_client(start_server: Callable[..., Server]) -> None:
    server = start_server(STATUS_API_TRUSTED_PROXIES="127.0.0.1", **LIMITED)
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        # Each value different and unreadable as an address: all of them count as the proxy itself.
        statuses = [lookup(http, f"client-{n}-" + "x" * 8000) for n in range(8)]
    assert statuses == [404] * 5 + [429] * 3


def test_many_large_forged_headers_hold_no_memory(start_server: Callable[..., Server]) -> None:
    generous = {"STATUS_API_LOOKUP_BURST": "100000", "STATUS_API_MISS_RATE": "100000/second"}
    server = start_server(STATUS_API_TRUSTED_PROXIES="127.0.0.1", **{**LIMITED, **generous})
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        lookup(http, "warm-up")
        before = _rss(server)
        for n in range(2000):
            assert lookup(http, f"{n}-" + "y" * 12_000) == 404
        after = _rss(server)
    # 2,000 keys of 12 KB would be 24 MB; none is kept. A few MB of allocator slack at most.
    assert after - before < 8 * 1024 * 1024, (before, after)


def _rss(server: Server) -> int:
    status = Path(f"/proc/{server.pid}/status").read_text(encoding="ascii")
    return next(int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS:"))


def test_the_votes_budget_is_the_peers_whatever_the_header_says(start_server: Callable[..., Server]) -> None:
    # The doors that came after the lookups (votes here) read the client from the same one place.
    server = start_server(**LIMITED)
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        statuses = [
            http.post(
                "/avis", data={"page": "/delais/", "vote": "oui"}, headers={"X-Forwarded-For": f"198.51.100.{n}"}
            ).status_code
            for n in range(12)
        ]
    # Ten votes at once (http/feedback.py), then the peer waits: forged addresses got no budget of their own.
    assert statuses == [200] * 10 + [429] * 2
