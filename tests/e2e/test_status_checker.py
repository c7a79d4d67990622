"""The status checker as a customer uses it: in the help center's page (JSON API), and without JavaScript (/suivi)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from kb_build.model import KnowledgeBase
from tests.e2e.conftest import DEMO_TICKET, MALFORMED_CALL_ID, UNKNOWN_CALL_ID
from tests.e2e.helpers import look_up

TRACKING = "/suivre-mon-ticket/"


def pasted(call_id: str) -> str:
    """A call ID as a customer pastes it, in groups of four."""
    return " ".join(call_id[i : i + 4] for i in range(0, len(call_id), 4))


def assert_progress_of_the_demo_ticket(answer: Locator, kb: KnowledgeBase) -> None:
    expect(answer.locator("h2")).to_have_text(
        kb.tracking.result.ticket_title.format(reference=DEMO_TICKET["reference"])
    )
    steps = {step.id: step for step in kb.process.steps}
    current = steps[DEMO_TICKET["step"]]
    progress = answer.locator("ol.status-progress > li")
    expect(progress).to_have_count(len(kb.process.steps))
    expect(answer.locator("ol.status-progress > li[aria-current=step]")).to_have_text(
        re.compile(re.escape(current.title))
    )
    for skipped in DEMO_TICKET["skipped_steps"]:
        expect(answer.locator("li.status-step--skipped")).to_contain_text(steps[skipped].title)
    expect(answer.locator(".status-facts--key")).to_contain_text(kb.team(DEMO_TICKET["team"]).name)


def test_a_demo_call_id_shows_the_progress_view_at_the_right_step(page: Page, kb: KnowledgeBase) -> None:
    page.goto(TRACKING)
    output = page.locator("#kb-status-result")
    # A polite live region, present and empty before the answer: screen readers announce what is put in it.
    expect(output).to_have_attribute("role", "status")
    expect(output).to_have_attribute("aria-live", "polite")
    expect(output).to_have_text("")

    answer = look_up(page, pasted(DEMO_TICKET["call_ids"][0]))
    assert_progress_of_the_demo_ticket(answer, kb)
    # Focus moves to the answer's heading, so that keyboard and screen-reader users land on it.
    expect(answer.locator("h2")).to_be_focused()
    expect(output).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("form.kb-status-form button[type=submit]")).to_be_enabled()
    # The answer came from the JSON API: the page did not move.
    expect(page).to_have_url(re.compile(re.escape(TRACKING) + "$"))


def test_a_malformed_call_id_shows_what_a_call_id_looks_like(page: Page, kb: KnowledgeBase) -> None:
    page.goto(TRACKING)
    answer = look_up(page, MALFORMED_CALL_ID)
    expect(answer).to_have_class(re.compile(r"\bfailure\b"))
    expect(answer).to_contain_text(kb.site.call_id.description)
    expect(answer).to_contain_text(kb.site.call_id.example)
    expect(answer.get_by_role("link", name=kb.article(kb.site.call_id.howto_article).title)).to_be_visible()
    expect(answer.locator(".admonition-title")).to_be_focused()


def test_an_unknown_call_id_gets_the_generic_answer(page: Page, kb: KnowledgeBase) -> None:
    page.goto(TRACKING)
    answer = look_up(page, UNKNOWN_CALL_ID)
    expect(answer).to_have_class(re.compile(r"\bwarning\b"))
    expect(answer.locator(".admonition-title")).to_have_text(kb.tracking.result.not_found_title)
    expect(answer).to_contain_text(" ".join(kb.tracking.result.not_found.split()))
    expect(answer.get_by_role("link", name=kb.site.labels.contact_title)).to_be_visible()
    expect(answer.locator(".admonition-title")).to_be_focused()


def test_a_second_lookup_replaces_the_first_answer(page: Page, kb: KnowledgeBase) -> None:
    page.goto(TRACKING)
    look_up(page, DEMO_TICKET["call_ids"][0])
    look_up(page, UNKNOWN_CALL_ID)
    expect(page.locator("#kb-status-result .status-result")).to_have_count(1)
    expect(page.locator("#kb-status-result")).to_contain_text(kb.tracking.result.not_found_title)


# Without JavaScript the same form posts to the service's /suivi page, which answers in the site's own page.


def send_without_javascript(page: Page, call_id: str) -> tuple[int, Locator]:
    page.goto(TRACKING)
    page.locator("#kb-call-id").fill(call_id)
    with page.expect_navigation() as navigation:
        page.locator("form.kb-status-form button[type=submit]").click()
    response = navigation.value
    assert response is not None
    return response.status, page.locator("#kb-status-result .status-result")


def test_without_javascript_a_demo_call_id_shows_the_progress_view(no_js_page: Page, kb: KnowledgeBase) -> None:
    status, answer = send_without_javascript(no_js_page, pasted(DEMO_TICKET["call_ids"][0]))
    assert status == 200
    # The answer page opens at the answer.
    expect(no_js_page).to_have_url(re.compile(r"/suivi#kb-status-result$"))
    assert_progress_of_the_demo_ticket(answer, kb)
    # The site's shell around the answer: the header, the navigation and the form again.
    expect(no_js_page.locator("header.md-header")).to_be_visible()
    expect(no_js_page.locator("form.kb-status-form")).to_have_count(1)


@pytest.mark.parametrize(
    ("call_id", "status", "kind"), [(MALFORMED_CALL_ID, 422, "failure"), (UNKNOWN_CALL_ID, 404, "warning")]
)
def test_without_javascript_a_bad_call_id_gets_its_answer(
    no_js_page: Page, kb: KnowledgeBase, call_id: str, status: int, kind: str
) -> None:
    answered, answer = send_without_javascript(no_js_page, call_id)
    assert answered == status
    expect(answer).to_have_class(re.compile(rf"\b{kind}\b"))
    if kind == "failure":
        expect(answer).to_contain_text(kb.site.call_id.description)
    else:
        expect(answer.locator(".admonition-title")).to_have_text(kb.tracking.result.not_found_title)
    expect(answer.get_by_role("link", name=kb.article(kb.site.call_id.howto_article).title)).to_be_visible()
