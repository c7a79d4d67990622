""" "Cet article vous a-t-il été utile ?" as a reader answers it, in Chromium: in place with JavaScript, through the
service's own page without it, the comment after a "Non" in both, and axe-core on each state, desktop and phone."""

from __future__ import annotations

import sqlite3

import pytest
from playwright.sync_api import Page, expect

from kb_build.model import KnowledgeBase
from status_api.domain.records import Vote
from tests.e2e.conftest import PHONE
from tests.e2e.helpers import axe_violations
from tests.status_api.helpers import Server

PAGE = "/delais/"
SCHEMES = ["light", "dark"]


def _votes(server: Server, page: str) -> list[Vote]:
    # The session's server keeps its SQLite file beside its log (tests/e2e/conftest.py).
    with sqlite3.connect(server.log.parent / "status.sqlite3") as conn:
        found = conn.execute("SELECT page, useful, at, comment FROM votes WHERE page = ? ORDER BY id", (page,))
        return [Vote(page=p, useful=bool(u), at=at, comment=c) for p, u, at, c in found.fetchall()]


def test_the_question_ends_every_page_with_two_buttons(page: Page, kb: KnowledgeBase) -> None:
    texts = kb.site.feedback
    page.goto(PAGE)
    section = page.locator("section.kb-feedback")
    expect(section.locator("legend")).to_have_text(texts.question)
    expect(section.get_by_role("button", name=texts.useful, exact=True)).to_be_visible()
    expect(section.get_by_role("button", name=texts.not_useful, exact=True)).to_be_visible()
    # After the article's text, before the footer.
    article_end = page.locator("article > *:not(section.kb-feedback)").last.bounding_box()
    box = section.bounding_box()
    assert article_end is not None and box is not None and box["y"] >= article_end["y"]


def test_with_javascript_a_yes_is_thanked_in_place(page: Page, kb: KnowledgeBase, server: Server) -> None:
    texts = kb.site.feedback
    before = len(_votes(server, "/escalade/"))
    page.goto("/escalade/")
    page.locator("section.kb-feedback").get_by_role("button", name=texts.useful, exact=True).click()
    answer = page.locator("section.kb-feedback .kb-feedback__answer")
    expect(answer).to_contain_text(texts.thanks_useful)
    expect(page.locator("form.kb-feedback__vote")).to_be_hidden()
    expect(answer.locator("textarea")).to_have_count(0)
    assert page.url.endswith("/escalade/")  # no navigation
    votes = _votes(server, "/escalade/")
    assert len(votes) == before + 1 and votes[-1].useful


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_with_javascript_a_no_takes_a_comment_in_place(
    page: Page, kb: KnowledgeBase, server: Server, axe_source: str, viewport: str
) -> None:
    texts = kb.site.feedback
    if viewport == "phone":
        page.set_viewport_size(PHONE)
    page.goto(PAGE)
    page.locator("section.kb-feedback").get_by_role("button", name=texts.not_useful, exact=True).click()
    answer = page.locator("section.kb-feedback .kb-feedback__answer")
    expect(answer).to_contain_text(texts.thanks_not_useful)
    box = answer.get_by_label(texts.comment_label)
    expect(box).to_be_visible()
    expect(answer).to_contain_text(texts.comment_help)
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
        violations = axe_violations(page, axe_source)
        assert violations == [], f"{viewport} {scheme}:\n" + "\n".join(violations)
    comment = f"Il manque un exemple ({viewport}, avec JavaScript)."
    box.fill(comment)
    answer.get_by_role("button", name=texts.comment_submit).click()
    expect(answer).to_contain_text(texts.comment_thanks)
    assert page.url.endswith(PAGE)
    assert comment in [vote.comment for vote in _votes(server, PAGE)]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_without_javascript_the_service_thanks_and_takes_the_comment(
    no_js_page: Page, kb: KnowledgeBase, server: Server, viewport: str
) -> None:
    texts = kb.site.feedback
    if viewport == "phone":
        no_js_page.set_viewport_size(PHONE)
    no_js_page.goto(PAGE)
    with no_js_page.expect_navigation():
        no_js_page.locator("section.kb-feedback").get_by_role("button", name=texts.not_useful, exact=True).click()
    assert no_js_page.url.endswith("/avis#kb-feedback")
    expect(no_js_page.get_by_role("heading", level=1)).to_have_text(texts.thanks_title)
    expect(no_js_page.locator("#kb-feedback")).to_contain_text(texts.thanks_not_useful)
    comment = f"Il manque un exemple ({viewport}, sans JavaScript)."
    no_js_page.get_by_label(texts.comment_label).fill(comment)
    with no_js_page.expect_navigation():
        no_js_page.get_by_role("button", name=texts.comment_submit).click()
    expect(no_js_page.locator("#kb-feedback")).to_contain_text(texts.comment_thanks)
    assert comment in [vote.comment for vote in _votes(server, PAGE)]
    with no_js_page.expect_navigation():
        no_js_page.get_by_role("link", name=texts.back_link).click()
    assert no_js_page.url.endswith(PAGE)


def test_without_javascript_a_yes_is_thanked_with_the_way_back(no_js_page: Page, kb: KnowledgeBase) -> None:
    texts = kb.site.feedback
    no_js_page.goto("/processus/")
    with no_js_page.expect_navigation():
        no_js_page.locator("section.kb-feedback").get_by_role("button", name=texts.useful, exact=True).click()
    expect(no_js_page.locator("#kb-feedback")).to_contain_text(texts.thanks_useful)
    expect(no_js_page.locator("#kb-feedback textarea")).to_have_count(0)
    expect(no_js_page.get_by_role("link", name=texts.back_link)).to_have_attribute("href", "/processus/")


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_service_answer_pages_pass_axe(
    page: Page, kb: KnowledgeBase, axe_source: str, scheme: str, viewport: str
) -> None:
    # What a browser without JavaScript gets, opened here with it so that axe-core can run: the form posted as
    # a browser posts it (form.submit() skips feedback.js).
    texts = kb.site.feedback
    if viewport == "phone":
        page.set_viewport_size(PHONE)
    page.goto(PAGE)
    page.locator("form.kb-feedback__vote input[name=page]").evaluate(
        "input => input.insertAdjacentHTML('afterend', '<input type=hidden name=vote value=non>')"
    )
    with page.expect_navigation():
        page.evaluate("document.querySelector('form.kb-feedback__vote').submit()")
    expect(page.get_by_label(texts.comment_label)).to_be_visible()
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    violations = axe_violations(page, axe_source)
    assert violations == [], f"{viewport} {scheme}:\n" + "\n".join(violations)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_question_passes_axe(page: Page, axe_source: str, viewport: str) -> None:
    if viewport == "phone":
        page.set_viewport_size(PHONE)
    page.goto(PAGE)
    page.locator("section.kb-feedback").scroll_into_view_if_needed()
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
        violations = axe_violations(page, axe_source)
        assert violations == [], f"{viewport} {scheme}:\n" + "\n".join(violations)
