"""A customer finds their way: home, an issue type, its delay, the call-ID how-to and its per-platform tabs."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from kb_build.model import KnowledgeBase
from tests.e2e.conftest import Outside
from tests.e2e.helpers import page_types, search


def plain(markdown: str) -> str:
    return markdown.replace("**", "").replace("`", "")


def test_from_the_home_page_to_an_issue_type_its_delay_and_the_call_id_article(page: Page, kb: KnowledgeBase) -> None:
    portability = next(t for t in kb.issue_types.issue_types if "portabilit" in t.id)
    timeline = kb.timeline(portability.timeline)
    howto = kb.article(kb.site.call_id.howto_article)
    problem_route = next(r for r in kb.site.home.routes if r.page == "types-de-problemes")

    page.goto("/")
    expect(page.locator("h1")).to_contain_text(kb.site.home.title)
    page.get_by_role("link", name=problem_route.title).click()
    expect(page).to_have_url(re.compile(r"/types-de-problemes/$"))

    # The list words each issue type as the source article does; the page is titled with its short name.
    page.locator("article").get_by_role("link", name=portability.summary, exact=True).first.click()
    expect(page).to_have_url(re.compile(rf"/types-de-problemes/{portability.id}/$"))
    expect(page.locator("h1")).to_contain_text(portability.title)

    page.get_by_role("link", name=kb.site.labels.see_timelines).click()
    expect(page).to_have_url(re.compile(rf"/delais/#{timeline.id}$"))
    expect(page.locator(f"h2#{timeline.id}")).to_be_in_viewport()

    page.go_back()
    expect(page.locator("h1")).to_contain_text(portability.title)
    page.locator("article .admonition.tip").get_by_role("link", name=howto.title).click()
    expect(page).to_have_url(re.compile(rf"/articles/{howto.id}/$"))
    expect(page.locator("h1")).to_contain_text(howto.title)


def test_the_call_id_article_switches_its_per_platform_tabs(page: Page, kb: KnowledgeBase) -> None:
    howto = kb.article(kb.site.call_id.howto_article)
    section = next(s for s in howto.sections if s.tabs)
    page.goto(f"/articles/{howto.id}/")
    tabbed = page.locator(".tabbed-set").first
    blocks = tabbed.locator(".tabbed-content > .tabbed-block")
    expect(blocks.nth(0)).to_be_visible()
    expect(blocks.nth(0)).to_contain_text(plain(section.tabs[0].steps[0]))

    for index, tab in enumerate(section.tabs):
        tabbed.locator(".tabbed-labels > label").filter(has_text=tab.label).click()
        expect(blocks.nth(index)).to_be_visible()
        expect(blocks.nth(index)).to_contain_text(plain(tab.steps[-1]))
        for other in range(len(section.tabs)):
            if other != index:
                expect(blocks.nth(other)).to_be_hidden()


@pytest.mark.parametrize("where", ["/", "/suivi"])
def test_french_search_lists_the_right_page_first(page: Page, kb: KnowledgeBase, where: str) -> None:
    # Material's search runs in a web worker loaded from the built site: here, as the service serves it,
    # including on /suivi, the page that the service frames in the site's shell.
    portability = next(t for t in kb.issue_types.issue_types if "portabilit" in t.id)
    page.goto(where)
    first = search(page, "portabilité").first
    expect(first).to_have_attribute("href", re.compile(rf"/types-de-problemes/{portability.id}/\?h="))
    expect(first).to_contain_text(portability.title)


def test_search_finds_the_call_id_article(page: Page, kb: KnowledgeBase) -> None:
    howto = kb.article(kb.site.call_id.howto_article)
    page.goto("/")
    first = search(page, "trouver call id").first
    expect(first).to_have_attribute("href", re.compile(rf"/articles/{howto.id}/\?h="))


def test_no_page_loads_anything_from_outside_or_logs_an_error(page: Page, kb: KnowledgeBase, outside: Outside) -> None:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda response: errors.append(f"{response.status} {response.url}") if response.status >= 400 else None,
    )
    for path in page_types(kb).values():
        page.goto(path, wait_until="networkidle")
    assert outside.urls == []
    assert errors == []
