"""Who a request comes from: the peer, unless a trusted proxy says otherwise; keys are addresses, never text."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Network, ip_network

import pytest

from status_api.config import too_wide
from status_api.http.middleware.client import NO_ADDRESS, client_key, resolve

PROXIES = (ip_network("10.0.0.0/8"),)


def forwarded(value: str) -> list[bytes]:
    return [value.encode()]


def test_the_client_is_the_peer_unless_a_trusted_proxy_forwards() -> None:
    assert str(resolve("203.0.113.9", forwarded("198.51.100.1"), ())) == "203.0.113.9"
    # An untrusted peer cannot choose its address by sending the header.
    assert str(resolve("203.0.113.9", forwarded("198.51.100.1"), PROXIES)) == "203.0.113.9"
    assert str(resolve("10.0.0.2", forwarded("198.51.100.1"), PROXIES)) == "198.51.100.1"
    # A client's own X-Forwarded-For is to the left of what the proxies add: ignored.
    assert str(resolve("10.0.0.2", forwarded("1.2.3.4, 198.51.100.1, 10.0.0.7"), PROXIES)) == "198.51.100.1"
    # Several header lines count as one list, in order.
    assert str(resolve("10.0.0.2", [b"1.2.3.4", b"198.51.100.1"], PROXIES)) == "198.51.100.1"
    # A proxy that forwards nothing readable: the proxy's own address.
    assert str(resolve("10.0.0.2", forwarded("garbage"), PROXIES)) == "10.0.0.2"
    assert str(resolve("10.0.0.2", [], PROXIES)) == "10.0.0.2"


def scope(peer: str) -> dict[str, object]:
    return {"type": "http", "client": (peer, 50000), "headers": []}


def test_keys_are_addresses_and_ipv6_clients_count_by_their_slash_64() -> None:
    assert client_key(scope("192.0.2.1")) == IPv4Address("192.0.2.1")
    assert client_key(scope("2001:db8:1:2:aaaa::1")) == client_key(scope("2001:db8:1:2:bbbb::9"))
    assert client_key(scope("2001:db8:1:2:aaaa::1")) == IPv6Network("2001:db8:1:2::/64")
    assert client_key(scope("::ffff:192.0.2.1")) == IPv4Address("192.0.2.1")
    # Whatever is not an address shares one budget: no string of a client's becomes a key.
    assert client_key(scope("testclient")) == client_key(scope("x" * 30_000)) == NO_ADDRESS
    assert client_key({"type": "http", "client": None}) == NO_ADDRESS


@pytest.mark.parametrize(
    ("network", "wide"),
    [
        ("0.0.0.0/0", True),
        ("::/0", True),
        ("0.0.0.0/1", True),
        ("8.0.0.0/7", True),
        ("198.0.0.0/12", True),
        ("2001::/16", True),
        ("10.0.0.0/8", False),
        ("172.16.0.0/12", False),
        ("192.168.0.0/16", False),
        ("fd00::/8", False),
        ("203.0.113.0/24", False),
        ("127.0.0.1/32", False),
        ("2001:db8:5::/48", False),
    ],
)
def test_networks_that_trust_strangers_are_too_wide(network: str, wide: bool) -> None:
    assert too_wide(ip_network(network)) is wide
