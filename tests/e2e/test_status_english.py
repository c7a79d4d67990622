"""« État du service » in English, in Chromium: the English site's header leads to /en/etat-du-service, framed in
the English site, with the banner in English on English pages, and the subscription form answering in English;
axe on each page, light and dark."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

import httpx2
from playwright.sync_api import Page, expect

from kb_build.model import KnowledgeBase
from kb_build.paths import SERVICE
from tests.e2e.helpers import axe_violations
from tests.status_api.helpers import Server
from tests.status_api.mail_server import Inbox, text_of

ENGLISH = SERVICE.in_language("en/")


def _checked(page: Page, axe_source: str) -> None:
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
        violations = axe_violations(page, axe_source)
        assert violations == [], f"{page.url} ({scheme}):\n" + "\n".join(violations)


def test_the_english_header_leads_to_the_english_status_page(page: Page, kb: KnowledgeBase, axe_source: str) -> None:
    english = kb.in_language("en")
    page.goto("/en/")
    page.locator("a.kb-status-link").click()
    page.wait_for_url(f"**{ENGLISH.status_page}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text(english.incidents.title)
    expect(page.locator("#etat-des-services")).to_have_text(english.incidents.texts.services_title)
    live = page.locator(".kb-service-status-live")
    expect(live).to_contain_text(english.incidents.services[0].name)
    expect(page.locator(f'a[href="{ENGLISH.feed}"]')).to_have_text(english.incidents.texts.feed_link)
    # Nothing of the French page's words.
    expect(live).not_to_contain_text(kb.incidents.texts.services_title)
    _checked(page, axe_source)


def test_the_banner_is_english_on_english_pages(page: Page, kb: KnowledgeBase, server: Server, axe_source: str) -> None:
    english = kb.in_language("en")
    current = httpx2.get(server.url + SERVICE.incidents_current, headers={"Accept-Language": "en"}, timeout=10)
    incidents = current.json()["incidents"]
    assert incidents, "the demo has an ongoing incident"
    page.goto("/en/")
    banner = page.locator("aside.kb-incident-banner")
    expect(banner).to_be_visible()
    expect(banner).to_have_attribute("aria-label", english.incidents.texts.banner_label)
    expect(banner.locator("a")).to_have_text(english.incidents.texts.banner_link)
    if len(incidents) == 1:
        [incident] = incidents
        expect(banner).to_contain_text(incident["state"]["title"])
        assert incident["state"]["title"] in {state.title for state in english.incidents.states}
        expect(banner.locator("a")).to_have_attribute(
            "href", f"{server.url}{ENGLISH.status_page}#incident-" + incident["reference"]
        )
    else:
        expect(banner.locator("a")).to_have_attribute("href", re.compile(re.escape(ENGLISH.status_page)))
    _checked(page, axe_source)


def test_subscribing_in_english_in_the_browser(page: Page, kb: KnowledgeBase, inbox: Inbox, axe_source: str) -> None:
    texts = kb.in_language("en").subscriptions.texts
    to = f"browser-{uuid.uuid4().hex[:8]}@example.com"
    page.goto(ENGLISH.status_page)
    page.get_by_label(texts.address_label).fill(to)
    page.get_by_label("SMS").check()
    page.locator("section.kb-subscribe form button[type=submit]").click()
    page.wait_for_url(f"**{ENGLISH.subscribe}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text(texts.sent_title)
    _checked(page, axe_source)

    (message,) = inbox.wait(lambda: inbox.to(to))
    confirm = next(link for link in re.findall(r"https://\S+", text_of(message)) if "confirmer" in link)
    parts = urlsplit(confirm)
    assert parts.path == ENGLISH.subscription_confirm
    page.goto(f"{parts.path}?{parts.query}")
    expect(page.locator("h1")).to_have_text(texts.confirm_title)
    _checked(page, axe_source)
    page.get_by_role("button", name=texts.confirm_button).click()
    expect(page.locator("h1")).to_have_text(texts.confirmed_title)
    _checked(page, axe_source)
