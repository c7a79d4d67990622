"""The tracker as a customer meets it: the form first, the answer's key facts in view without scrolling, a
focus ring only for whoever moves by keyboard, and help of its own for a ticket reference typed by mistake."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, ViewportSize, expect

from kb_build.model import KnowledgeBase
from tests.e2e.conftest import DEMO_TICKET, PHONE
from tests.e2e.helpers import look_up

TRACKING = "/suivre-mon-ticket/"
SIZES: dict[str, ViewportSize] = {"desktop": {"width": 1280, "height": 900}, "phone": PHONE}


def in_view(page: Page, locator: Locator) -> bool:
    box = locator.bounding_box()
    height = page.evaluate("window.innerHeight")
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def assert_key_facts_in_view(page: Page, kb: KnowledgeBase) -> None:
    answer = page.locator("#kb-status-result .status-result")
    expect(answer.locator("h2")).to_be_visible()
    facts = answer.locator(".status-facts--key")
    expect(facts).to_contain_text(kb.step(DEMO_TICKET["step"]).title)
    expect(facts).to_contain_text(kb.team(DEMO_TICKET["team"]).name)
    expect(facts).to_contain_text(kb.tracking.result.next_update)
    for element in (answer.locator("h2"), facts):
        assert in_view(page, element), element


def test_the_form_comes_before_the_help(page: Page, kb: KnowledgeBase) -> None:
    page.goto(TRACKING)
    form = page.locator("form.kb-status-form").bounding_box()
    help_list = page.locator("article ul").first.bounding_box()
    assert form is not None and help_list is not None and form["y"] < help_list["y"]
    assert in_view(page, page.locator("form.kb-status-form button[type=submit]"))


@pytest.mark.parametrize("size", SIZES)
def test_the_answer_key_facts_are_in_view(page: Page, kb: KnowledgeBase, size: str) -> None:
    page.set_viewport_size(SIZES[size])
    page.goto(TRACKING)
    look_up(page, DEMO_TICKET["call_ids"][0])
    assert_key_facts_in_view(page, kb)


@pytest.mark.parametrize("size", SIZES)
def test_without_javascript_the_answer_page_opens_at_the_key_facts(
    no_js_page: Page, kb: KnowledgeBase, size: str
) -> None:
    no_js_page.set_viewport_size(SIZES[size])
    no_js_page.goto(TRACKING)
    no_js_page.locator("#kb-call-id").fill(DEMO_TICKET["call_ids"][0])
    with no_js_page.expect_navigation():
        no_js_page.locator("form.kb-status-form button[type=submit]").click()
    assert_key_facts_in_view(no_js_page, kb)


def _outline(locator: Locator) -> str:
    return str(locator.evaluate("element => getComputedStyle(element).outlineStyle"))


def test_the_answer_shows_a_focus_ring_to_the_keyboard_only(page: Page) -> None:
    page.goto(TRACKING)
    heading = look_up(page, DEMO_TICKET["call_ids"][0]).locator("h2")  # sent with a click
    expect(heading).to_be_focused()
    assert _outline(heading) == "none"
    page.locator("#kb-call-id").fill(DEMO_TICKET["call_ids"][0])
    page.locator("#kb-call-id").press("Enter")  # sent with the keyboard
    heading = page.locator("#kb-status-result .status-result h2")
    expect(heading).to_be_focused()
    assert _outline(heading) != "none"


def test_a_ticket_reference_gets_help_of_its_own(page: Page, kb: KnowledgeBase) -> None:
    page.goto(TRACKING)
    answer = look_up(page, DEMO_TICKET["reference"])
    expect(answer).to_contain_text(re.compile("référence de ticket"))
    expect(answer).to_contain_text(kb.site.call_id.example)
