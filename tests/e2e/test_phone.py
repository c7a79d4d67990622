"""On a phone (360 x 740 CSS px, touch): no sideways scrolling, targets large enough to tap, a readable answer."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from kb_build.model import KnowledgeBase
from kb_build.paths import FIXED_PAGES
from tests.e2e.conftest import DEMO_TICKET, PHONE, UNKNOWN_CALL_ID
from tests.e2e.helpers import address, horizontal_overflow, look_up, page_types, post_form_as_html, small_targets

PAGE_NAMES = [*FIXED_PAGES, "type-de-probleme", "article-call-id"]
# WCAG 2.2's minimum (2.5.8) for every target; the status form's own controls aim at the comfortable 44 px (2.5.5).
MINIMUM_TARGET = 24
COMFORTABLE_TARGET = 44


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_each_kind_of_page_fits_the_screen_and_can_be_tapped(phone_page: Page, kb: KnowledgeBase, name: str) -> None:
    phone_page.goto(page_types(kb)[name])
    assert horizontal_overflow(phone_page) <= 0
    small = small_targets(phone_page, MINIMUM_TARGET)
    assert not small, "targets under 24 x 24 px:\n" + "\n".join(small)


def test_the_status_form_controls_are_comfortable_to_tap(phone_page: Page) -> None:
    phone_page.goto(address(FIXED_PAGES["suivre-mon-ticket"]))
    for control in ("#kb-call-id", "form.kb-status-form button[type=submit]"):
        box = phone_page.locator(control).bounding_box()
        assert box is not None
        assert box["height"] >= COMFORTABLE_TARGET, control
        assert box["width"] >= COMFORTABLE_TARGET, control


def test_the_progress_view_is_readable_on_a_phone(phone_page: Page, kb: KnowledgeBase) -> None:
    phone_page.goto(address(FIXED_PAGES["suivre-mon-ticket"]))
    answer = look_up(phone_page, DEMO_TICKET["call_ids"][0])
    steps = answer.locator("ol.status-progress > li")
    expect(steps).to_have_count(len(kb.process.steps))
    assert horizontal_overflow(phone_page) <= 0
    for index in range(len(kb.process.steps)):
        step = steps.nth(index)
        box = step.bounding_box()
        assert box is not None
        # Inside the screen, its text not cut off, and no smaller than 12 CSS px.
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], kb.process.steps[index].title
        assert step.evaluate("element => element.scrollWidth <= element.clientWidth")
        assert step.evaluate("element => parseFloat(getComputedStyle(element).fontSize)") >= 12
    small = small_targets(phone_page, MINIMUM_TARGET)
    assert not small, "targets under 24 x 24 px:\n" + "\n".join(small)


@pytest.mark.parametrize("call_id", [DEMO_TICKET["call_ids"][0], UNKNOWN_CALL_ID])
def test_the_html_form_answer_fits_the_screen(phone_page: Page, call_id: str) -> None:
    post_form_as_html(phone_page, call_id)
    phone_page.locator("#kb-status-result .status-result").wait_for()
    assert horizontal_overflow(phone_page) <= 0
    small = small_targets(phone_page, MINIMUM_TARGET)
    assert not small, "targets under 24 x 24 px:\n" + "\n".join(small)
