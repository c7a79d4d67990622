"""What a request says about where it comes from is not believed: a forged Host never reaches the feed's links,
and a form posted from another website is refused before it spends anyone's budget."""

from __future__ import annotations

from collections.abc import Callable

import feedparser
import httpx2

from tests.status_api.helpers import Server

UNKNOWN = "20261124120000000999"


def test_a_forged_host_never_reaches_the_feed(start_server: Callable[..., Server]) -> None:
    server = start_server()
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        feed = http.get("/etat-du-service/flux.atom", headers={"Host": "evil.example"})
    assert feed.status_code == 200
    assert b"evil.example" not in feed.content
    # Without a configured public address, links are from the site's root.
    parsed = feedparser.parse(feed.content)
    assert not parsed.bozo
    assert all(link["href"].startswith("/") for link in parsed.feed.links)


def test_absolute_links_come_from_the_public_address(start_server: Callable[..., Server]) -> None:
    server = start_server(STATUS_API_PUBLIC_URL="https://suivi.example.com/")
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        feed = http.get("/etat-du-service/flux.atom", headers={"Host": "evil.example"})
    parsed = feedparser.parse(feed.content)
    assert {link["href"] for link in parsed.feed.links} == {
        "https://suivi.example.com/etat-du-service/flux.atom",
        "https://suivi.example.com/etat-du-service",
    }
    assert b"evil.example" not in feed.content


def _post(http: httpx2.Client, origin: str | None) -> httpx2.Response:
    headers = {"Origin": origin} if origin is not None else {}
    return http.post("/suivi", data={"call_id": UNKNOWN}, headers=headers)


def test_a_form_posted_from_another_site_is_refused_and_charges_nobody(start_server: Callable[..., Server]) -> None:
    server = start_server(
        STATUS_API_RATE_LIMIT="on",
        STATUS_API_LOOKUP_BURST="3",
        STATUS_API_LOOKUP_FLOOR_MS="0",
        STATUS_API_CORS_ORIGINS="https://aide.example.com",
    )
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        for origin in ("https://evil.example", "null", f"{server.url}.evil.example", "http://127.0.0.1"):
            refused = _post(http, origin)
            assert refused.status_code == 403, origin
            assert refused.headers["content-type"].startswith("text/html")
            assert "depuis un autre site" in refused.text
        # None of the ten refusals spent the budget of this address: three real lookups still go through.
        for _ in range(6):
            assert _post(http, "https://evil.example").status_code == 403
        assert _post(http, server.url).status_code == 404  # the service's own page
        assert _post(http, "https://aide.example.com").status_code == 404  # the help center, deployed apart
        assert _post(http, None).status_code == 404  # no Origin: not a browser's cross-site form
        assert _post(http, server.url).status_code == 429  # and now the budget is spent
