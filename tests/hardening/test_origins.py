"""What a request says about where it comes from is not believed: a forged Host never reaches the feed's links,
and a form posted from another website is refused before it spends anyone's budget."""

from __future__ import annotations

import html
import re
import time
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import feedparser
import httpx2
import pytest

from kb_build import read
from kb_build.paths import SERVICE
from tests.status_api.helpers import AUTH, DATA, TOKEN, Server
from tests.status_api.mail_server import Inbox, html_of, text_of

UNKNOWN = "20261124120000000999"
ENGLISH = read(DATA).kb.in_language("en")


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


# --- the doors that came later: the English tracker, the subscription forms, the e-mails' links ----------------


def test_the_english_tracker_refuses_a_form_from_another_site_and_charges_nobody(
    start_server: Callable[..., Server],
) -> None:
    server = start_server(STATUS_API_RATE_LIMIT="on", STATUS_API_LOOKUP_BURST="3", STATUS_API_LOOKUP_FLOOR_MS="0")
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        for _ in range(6):
            refused = http.post("/en/suivi", data={"call_id": UNKNOWN}, headers={"Origin": "https://evil.example"})
            assert refused.status_code == 403
            assert refused.headers["content-type"].startswith("text/html")
        # Said in English, as the form that was posted.
        assert ENGLISH.tracking.result.cross_site in html.unescape(refused.text)
        # The three lookups of the budget are all still there, then it is spent.
        for _ in range(3):
            assert http.post("/en/suivi", data={"call_id": UNKNOWN}, headers={"Origin": server.url}).status_code == 404
        assert http.post("/en/suivi", data={"call_id": UNKNOWN}, headers={"Origin": server.url}).status_code == 429


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    running = Inbox().start()
    yield running
    running.stop()


PUBLIC = "https://etat.example.test"


def test_subscription_forms_from_another_site_are_refused_and_charge_nobody(
    start_server: Callable[..., Server], inbox: Inbox
) -> None:
    server = start_server(STATUS_API_RATE_LIMIT="on", STATUS_API_SMTP_URL=inbox.url, STATUS_API_PUBLIC_URL=PUBLIC)
    foreign = {"Origin": "https://evil.example"}
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        # More foreign posts than the client's budget of subscriptions (five at once, see routes/subscriptions.py).
        for n in range(8):
            refused = http.post(SERVICE.subscribe, data={"address": f"f{n}@example.com"}, headers=foreign)
            assert refused.status_code == 403, refused.text[:200]
            assert refused.headers["content-type"].startswith("text/html")
        time.sleep(0.5)
        assert not [m for m in inbox.messages if str(m["To"]).startswith("f")]  # no e-mail left for them
        to = f"mine-{uuid.uuid4().hex[:8]}@example.com"
        assert http.post(SERVICE.subscribe, data={"address": to}, headers={"Origin": server.url}).status_code == 200
        (message,) = inbox.wait(lambda: inbox.to(to))
        confirm = re.findall(re.escape(PUBLIC) + r"\S+", text_of(message))[0]
        token = urlsplit(confirm).query.removeprefix("jeton=")
        # The confirmation's button too: another site cannot press it for the reader.
        pressed = http.post(SERVICE.subscription_confirm, data={"jeton": token}, headers=foreign)
        assert pressed.status_code == 403
        assert http.get(SERVICE.subscription_confirm, params={"jeton": token}).status_code == 200  # still pending
        assert http.post(SERVICE.subscription_confirm, data={"jeton": token}).status_code == 200


def test_the_e_mails_links_come_from_the_public_address_never_the_host(
    start_server: Callable[..., Server], inbox: Inbox
) -> None:
    server = start_server(STATUS_API_SMTP_URL=inbox.url, STATUS_API_PUBLIC_URL=PUBLIC, STATUS_API_TOKEN=TOKEN)
    forged = {"Host": "evil.example"}
    to = f"host-{uuid.uuid4().hex[:8]}@example.com"
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        assert http.post(SERVICE.subscribe, data={"address": to}, headers=forged).status_code == 200
        (confirmation,) = inbox.wait(lambda: inbox.to(to))
        token = urlsplit(re.findall(re.escape(PUBLIC) + r"\S+", text_of(confirmation))[0]).query
        assert http.post(SERVICE.subscription_confirm, data={"jeton": token.removeprefix("jeton=")}).is_success
        body = {"title": "Appels coupés", "services": ["appels-sortants"], "started_at": "2026-01-01T10:00:00+00:00"}
        assert http.put("/api/v1/incidents/INC-H1", json=body, headers={**AUTH, **forged}).is_success
        update = inbox.wait(lambda: [m for m in inbox.to(to) if "Appels coupés" in str(m["Subject"])])[0]
    for message in (confirmation, update):
        whole = message.as_string()
        assert "evil.example" not in whole and "127.0.0.1" not in whole
        found = re.findall(r"https?://[^\s<>\"]+", text_of(message) + html_of(message) + message["List-Unsubscribe"])
        assert found and all(link.startswith(PUBLIC + "/") for link in found), found
