"""The status checker with the keyboard only: every action reachable with Tab and Enter, the focus always visible."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from kb_build.model import KnowledgeBase
from kb_build.paths import FIXED_PAGES
from tests.e2e.conftest import DEMO_TICKET, UNKNOWN_CALL_ID
from tests.e2e.helpers import address, has_visible_focus

TRACKING = address(FIXED_PAGES["suivre-mon-ticket"])
# More than the page's focusable elements before the form: the header, the navigation, the introduction's links.
MAX_TABS = 120


def focused(page: Page) -> Locator:
    return page.locator("*:focus")


def tab_to(page: Page, target: Locator) -> list[str]:
    """Press Tab until `target` has the focus; the elements passed on the way whose focus could not be seen."""
    unseen = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return unseen
        current = focused(page)
        if current.count() and not has_visible_focus(current):
            unseen.append(current.evaluate("element => element.outerHTML.slice(0, 120)"))
    pytest.fail(f"{MAX_TABS} presses of Tab never reached {target}")


def test_the_checker_with_the_keyboard_only(page: Page, kb: KnowledgeBase) -> None:
    page.goto(TRACKING)
    field = page.locator("#kb-call-id")
    button = page.locator("form.kb-status-form button[type=submit]")

    # The first stop skips to the content, and shows itself.
    page.keyboard.press("Tab")
    skip = focused(page)
    expect(skip).to_have_class(re.compile(r"\bmd-skip\b"))
    expect(skip).to_be_visible()

    unseen = tab_to(page, field)
    assert unseen == [], "focus not visible on:\n" + "\n".join(unseen)
    assert has_visible_focus(field)
    page.keyboard.type(DEMO_TICKET["call_ids"][0])

    page.keyboard.press("Tab")
    expect(button).to_be_focused()
    assert has_visible_focus(button)
    page.keyboard.press("Enter")

    heading = page.locator("#kb-status-result .status-result h2")
    expect(heading).to_be_focused()
    assert has_visible_focus(heading)
    expect(heading).to_contain_text(DEMO_TICKET["reference"])

    # From the answer, the next stop is its first link (the issue type's help page), focus visible; Enter follows it.
    page.keyboard.press("Tab")
    issue_type = kb.issue_type(DEMO_TICKET["issue_type"])
    link = page.locator("#kb-status-result").get_by_role("link", name=issue_type.title)
    expect(link).to_be_focused()
    assert has_visible_focus(link)
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text(issue_type.title)


def test_enter_in_the_field_sends_it_and_a_new_lookup_starts_from_the_field(page: Page, kb: KnowledgeBase) -> None:
    page.goto(TRACKING)
    field = page.locator("#kb-call-id")
    tab_to(page, field)
    page.keyboard.type(UNKNOWN_CALL_ID)
    page.keyboard.press("Enter")
    title = page.locator("#kb-status-result .admonition-title")
    expect(title).to_be_focused()
    assert has_visible_focus(title)

    # Back to the field with Shift+Tab, to correct the call ID and send it again.
    for _ in range(5):
        page.keyboard.press("Shift+Tab")
        if field.evaluate("element => element === document.activeElement"):
            break
    expect(field).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type(DEMO_TICKET["call_ids"][0])
    page.keyboard.press("Enter")
    expect(page.locator("#kb-status-result .status-result h2")).to_be_focused()


def test_without_javascript_the_keyboard_sends_the_form(no_js_page: Page) -> None:
    no_js_page.goto(TRACKING)
    field = no_js_page.locator("#kb-call-id")
    unseen = tab_to(no_js_page, field)
    assert unseen == [], "focus not visible on:\n" + "\n".join(unseen)
    no_js_page.keyboard.type(DEMO_TICKET["call_ids"][0])
    with no_js_page.expect_navigation():
        no_js_page.keyboard.press("Enter")
    expect(no_js_page.locator("#kb-status-result .status-result h2")).to_contain_text(DEMO_TICKET["reference"])
