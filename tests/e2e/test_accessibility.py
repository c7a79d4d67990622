"""axe-core on every kind of page and every answer of the status checker: no serious or critical violation.

Material's own shortcomings are fixed in overrides/ and docs/assets/stylesheets/kb.css, never by turning rules off.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from kb_build.model import KnowledgeBase
from kb_build.paths import FIXED_PAGES
from tests.e2e.conftest import DEMO_TICKETS, MALFORMED_CALL_ID, UNKNOWN_CALL_ID
from tests.e2e.helpers import address, axe_violations, look_up, page_types, post_form_as_html, search

# Material follows the visitor's light or dark preference (mkdocs.yml, theme.palette): both must pass.
SCHEMES = ["light", "dark"]
PAGE_NAMES = [*FIXED_PAGES, "type-de-probleme", "article-call-id"]
ANSWERS = {
    **{f"ticket-{ticket['reference']}": ticket["call_ids"][0] for ticket in DEMO_TICKETS},
    "inconnu": UNKNOWN_CALL_ID,
    "invalide": MALFORMED_CALL_ID,
}


def check(page: Page, axe_source: str, scheme: str) -> None:
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    violations = axe_violations(page, axe_source)
    assert violations == [], f"{page.url} ({scheme}):\n" + "\n".join(violations)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", PAGE_NAMES)
def test_each_kind_of_page(page: Page, kb: KnowledgeBase, axe_source: str, name: str, scheme: str) -> None:
    page.goto(page_types(kb)[name])
    check(page, axe_source, scheme)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("answer", ANSWERS)
def test_each_answer_in_the_help_center_page(page: Page, axe_source: str, answer: str, scheme: str) -> None:
    page.goto(address(FIXED_PAGES["suivre-mon-ticket"]))
    look_up(page, ANSWERS[answer])
    check(page, axe_source, scheme)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("answer", ANSWERS)
def test_each_answer_of_the_html_form(page: Page, axe_source: str, answer: str, scheme: str) -> None:
    # The page a browser without JavaScript gets; axe-core itself needs JavaScript to run in it.
    post_form_as_html(page, ANSWERS[answer])
    page.locator("#kb-status-result .status-result").wait_for()
    check(page, axe_source, scheme)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_search_dialog_open_with_results(page: Page, axe_source: str, scheme: str) -> None:
    page.goto("/")
    search(page, "ticket").first.wait_for()
    check(page, axe_source, scheme)


def test_the_phone_navigation_drawer_open(phone_page: Page, axe_source: str) -> None:
    phone_page.goto("/processus/")
    phone_page.locator("label.md-header__button[for=__drawer]").click()
    phone_page.locator(".md-sidebar--primary").wait_for()
    check(phone_page, axe_source, "light")
