"""Who a request comes from: the socket's peer, unless that peer is a trusted proxy. The one place that decides."""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Address, IPv6Address, IPv6Network, ip_address

from starlette.types import ASGIApp, Receive, Scope, Send

from status_api.config import Network

# What budgets are counted by: an IPv4 address, or an IPv6 /64 (one subscriber gets a whole /64: counting its
# addresses one by one would multiply its budget). Never a string a client wrote.
ClientKey = IPv4Address | IPv6Network
# Peers that are no IP address (a Unix socket, the in-process test client) share one budget.
NO_ADDRESS = IPv4Address(0)


def resolve(peer: str, forwarded: Iterable[bytes], trusted: tuple[Network, ...]) -> IPv4Address | IPv6Address | None:
    """The client's address: the peer's, or, when the peer is a trusted proxy, the nearest X-Forwarded-For hop
    that no trusted proxy vouches for. What a client writes in the header itself is never believed."""
    address = _address(peer)
    if address is None or not trusted or not _within(address, trusted):
        return address
    hops = b",".join(forwarded).decode("latin-1").split(",")
    for hop in reversed(hops):
        forwarded_address = _address(hop.strip())
        if forwarded_address is None:
            break  # garbage from here on: the last address a trusted proxy wrote stands
        address = forwarded_address
        if not _within(forwarded_address, trusted):
            break
    return address


def client_key(scope: Scope) -> ClientKey:
    """The key the rate limiter counts this request by (its client was resolved by ClientAddress, if installed)."""
    client = scope.get("client")
    address = _address(str(client[0])) if client else None
    if address is None:
        return NO_ADDRESS
    if isinstance(address, IPv6Address):
        return IPv6Network((address, 64), strict=False)
    return address


class ClientAddress:
    """Puts the resolved client in `scope["client"]`, where the limiter and uvicorn's access log read it.

    Installed only with trusted proxies: uvicorn's own proxy_headers are off (status_api.server), so without
    them the client is the socket's peer, whatever the request's headers say.
    """

    def __init__(self, app: ASGIApp, *, trusted_proxies: tuple[Network, ...]) -> None:
        self.app = app
        self.trusted = trusted_proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] == "http" and client:
            forwarded = [value for name, value in scope["headers"] if name == b"x-forwarded-for"]
            if forwarded:
                address = resolve(str(client[0]), forwarded, self.trusted)
                if address is not None:
                    scope["client"] = (str(address), 0 if str(address) != client[0] else client[1])
        await self.app(scope, receive, send)


def _address(text: str) -> IPv4Address | IPv6Address | None:
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _within(address: IPv4Address | IPv6Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == network.version and address in network for network in networks)
