"""The help center in English as a visitor uses it: the language menu, the search of each language, axe on the
English pages, nothing broken on the way."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from kb_build.model import KnowledgeBase
from tests.e2e.conftest import Outside
from tests.e2e.helpers import axe_violations, page_types, search
from tests.e2e.test_accessibility import PAGE_NAMES, SCHEMES


def english(path: str) -> str:
    return "/en" + path


def choose_language(page: Page, code: str) -> None:
    """Open Material's language menu in the header and pick a language, as a visitor does."""
    page.locator(".md-header .md-select").hover()
    link = page.locator(f".md-header .md-select__link[hreflang={code}]")
    expect(link).to_be_visible()
    with page.expect_navigation():
        link.click()


@pytest.mark.parametrize("name", ["delais", "type-de-probleme", "article-call-id", "accueil"])
def test_the_language_menu_leads_to_the_same_page(page: Page, kb: KnowledgeBase, name: str) -> None:
    path = page_types(kb)[name]
    page.goto(path)
    choose_language(page, "en")
    assert urlsplit(page.url).path == english(path)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    choose_language(page, "fr")
    assert urlsplit(page.url).path == path
    expect(page.locator("html")).to_have_attribute("lang", "fr")


def test_an_english_search_finds_english_pages_only(page: Page, kb: KnowledgeBase) -> None:
    en = kb.in_language("en")
    page.goto("/en/")
    results = search(page, "resolution times")
    expect(results.first).to_be_visible()
    urls = [urlsplit(href).path for href in results.evaluate_all("links => links.map(a => a.href)")]
    assert urls and all(url.startswith("/en/") for url in urls), urls
    assert "/en/delais/" in urls
    expect(page.locator(".md-search-result__item").first).to_contain_text(en.timelines.title.split()[0])


def test_a_french_search_finds_french_pages_only(page: Page) -> None:
    page.goto("/")
    results = search(page, "délais")
    expect(results.first).to_be_visible()
    urls = [urlsplit(href).path for href in results.evaluate_all("links => links.map(a => a.href)")]
    assert urls and not any(url.startswith("/en/") for url in urls), urls


def test_no_english_page_loads_anything_from_outside_or_logs_an_error(
    page: Page, kb: KnowledgeBase, outside: Outside
) -> None:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda response: errors.append(f"{response.status} {response.url}") if response.status >= 400 else None,
    )
    for path in page_types(kb).values():
        page.goto(english(path), wait_until="networkidle")
    assert outside.urls == []
    assert errors == []


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", PAGE_NAMES)
def test_axe_on_each_kind_of_english_page(
    page: Page, kb: KnowledgeBase, axe_source: str, name: str, scheme: str
) -> None:
    page.goto(english(page_types(kb)[name]))
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    violations = axe_violations(page, axe_source)
    assert violations == [], f"{page.url} ({scheme}):\n" + "\n".join(violations)


def test_axe_on_the_english_search_dialog(page: Page, axe_source: str) -> None:
    page.goto("/en/")
    search(page, "ticket").first.wait_for()
    violations = axe_violations(page, axe_source)
    assert violations == [], "\n".join(violations)
