"""The status checker in English, in Chromium: /en/suivi without JavaScript, the English site's tracking page
with it, each answering in English with English dates; axe on the English answer."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from kb_build.model import KnowledgeBase
from tests.e2e.conftest import DEMO_TICKET, UNKNOWN_CALL_ID
from tests.e2e.helpers import axe_violations, look_up

# "Tuesday 24 November 2026 at 2:05 pm", the way status_api/views/dates.py writes English.
ENGLISH_DATE = re.compile(
    r"(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day [0-9]{1,2}\u00a0[A-Z][a-z]+ [0-9]{4} at [0-9]{1,2}:[0-9]{2}\u00a0[ap]m"
)


def test_without_javascript_en_suivi_answers_in_english(no_js_page: Page, kb: KnowledgeBase) -> None:
    english = kb.in_language("en")
    no_js_page.goto("/en/suivi")
    expect(no_js_page.locator("html")).to_have_attribute("lang", "en")
    expect(no_js_page.locator("h1")).to_contain_text(english.tracking.title)
    no_js_page.get_by_label(english.site.labels.call_id_field).fill(DEMO_TICKET["call_ids"][0])
    with no_js_page.expect_navigation():
        no_js_page.locator("form.kb-status-form button[type=submit]").click()
    assert no_js_page.url.split("#")[0].endswith("/en/suivi")
    answer = no_js_page.locator("#kb-status-result .status-result")
    expect(answer).to_contain_text(english.step(DEMO_TICKET["step"]).title)
    expect(answer).to_contain_text(english.team(DEMO_TICKET["team"]).name)
    expect(answer).to_contain_text(ENGLISH_DATE)


def test_the_english_answer_page_passes_axe(page: Page, kb: KnowledgeBase, axe_source: str) -> None:
    """/en/suivi's answer as a browser without JavaScript gets it (form.submit() skips status.js)."""
    page.goto("/en/suivi")
    page.locator("#kb-call-id").fill(DEMO_TICKET["call_ids"][0])
    with page.expect_navigation():
        page.evaluate("document.querySelector('form.kb-status-form').submit()")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#kb-status-result .status-result")).to_contain_text(ENGLISH_DATE)
    assert axe_violations(page, axe_source) == []


def test_without_javascript_an_unknown_call_id_gets_the_english_answer(no_js_page: Page, kb: KnowledgeBase) -> None:
    english = kb.in_language("en")
    no_js_page.goto("/en/suivre-mon-ticket/")
    no_js_page.locator("#kb-call-id").fill(UNKNOWN_CALL_ID)
    with no_js_page.expect_navigation():
        no_js_page.locator("form.kb-status-form button[type=submit]").click()
    assert no_js_page.url.split("#")[0].endswith("/en/suivi")  # the English page's form posts to /en/suivi
    expect(no_js_page.locator("#kb-status-result")).to_contain_text(english.tracking.result.not_found)


def test_the_english_page_looks_up_in_english(page: Page, kb: KnowledgeBase) -> None:
    english = kb.in_language("en")
    page.goto("/en/suivre-mon-ticket/")
    answer = look_up(page, DEMO_TICKET["call_ids"][0])
    expect(answer).to_contain_text(english.step(DEMO_TICKET["step"]).title)
    expect(answer).to_contain_text(ENGLISH_DATE)
    # The step's title is translated: in French, this answer would read otherwise.
    assert kb.step(DEMO_TICKET["step"]).title != english.step(DEMO_TICKET["step"]).title
