"""Planned maintenance as a customer sees it: the demo's on "État du service", and in the banner when no
incident takes it."""

from __future__ import annotations

import json

import httpx2
import pytest
from playwright.sync_api import Page, Route, expect

from kb_build.model import KnowledgeBase
from kb_build.paths import FIXED_PAGES, SERVICE
from tests.e2e.helpers import address, axe_violations
from tests.status_api.helpers import Server


def test_the_status_page_lists_the_demo_maintenance_with_its_window(
    page: Page, kb: KnowledgeBase, server: Server
) -> None:
    # The demo's dates follow the time of the run: its window may fall on one day (« le …, de … à … ») or
    # across midnight (« du … au … »), and the page says it as the service words it.
    [maintenance] = httpx2.get(server.url + SERVICE.incidents_current, timeout=10).json()["maintenances"]
    texts = kb.incidents.maintenance.texts
    wordings = tuple(template.split("{")[0] for template in (texts.window, texts.window_same_day))
    assert maintenance["window"].startswith(wordings), maintenance["window"]
    page.goto(address(FIXED_PAGES["etat-du-service"]))
    section = page.locator(".kb-maintenance").first
    expect(section).to_contain_text(kb.incidents.maintenance.phases.scheduled)
    expect(section.locator("time")).to_have_text(maintenance["window"])
    expect(page.locator("#maintenances")).to_have_text(kb.incidents.maintenance.texts.upcoming_title)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_banner_shows_a_maintenance_when_no_incident_is_ongoing(
    page: Page, kb: KnowledgeBase, server: Server, axe_source: str, scheme: str
) -> None:
    # The service's own answer, without its ongoing demo incident (which would take the banner first).
    current = httpx2.get(server.url + SERVICE.incidents_current, timeout=10).json()
    [maintenance] = current["maintenances"]
    answer = {**current, "incidents": []}

    def without_incidents(route: Route) -> None:
        route.fulfill(status=200, content_type="application/json", body=json.dumps(answer))

    page.route("**" + SERVICE.incidents_current, without_incidents)
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    page.goto(address(FIXED_PAGES["accueil"]))
    banner = page.locator("aside.kb-incident-banner")
    expect(banner).to_be_visible()
    expect(banner).to_have_attribute("aria-label", kb.incidents.maintenance.texts.banner_label)
    expect(banner).to_contain_text(maintenance["title"])
    expect(banner).to_contain_text(maintenance["window"])
    expect(banner.locator("a")).to_have_attribute("href", f"{server.url}{maintenance['url']}")
    violations = axe_violations(page, axe_source)
    assert violations == [], f"{page.url} ({scheme}):\n" + "\n".join(violations)
