"""What help centers have, as a person meets it: breadcrumbs, the date, related articles, the way out to support,
a French 404, tab labels that can be read and a phone header that names the site and its buttons."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from kb_build.model import KnowledgeBase
from kb_build.paths import article_page, issue_type_page
from tests.e2e.conftest import PHONE
from tests.e2e.helpers import address, axe_violations, horizontal_overflow, small_targets

# The desktop the issue measured at; the session's desktop context is 1280 x 800.
DESKTOP_900 = {"width": 1280, "height": 900}


@pytest.fixture(params=["desktop", "phone"])
def any_page(request: pytest.FixtureRequest, desktop: BrowserContext, phone: BrowserContext) -> Page:
    context = desktop if request.param == "desktop" else phone
    page = context.new_page()
    if request.param == "desktop":
        page.set_viewport_size(DESKTOP_900)  # type: ignore[arg-type]
    request.addfinalizer(page.close)
    return page


def test_every_tab_label_of_the_call_id_article_can_be_read(any_page: Page, kb: KnowledgeBase) -> None:
    howto = kb.article(kb.site.call_id.howto_article)
    any_page.goto(address(article_page(howto.id)))
    tabbed = any_page.locator(".tabbed-set").first
    # The row of labels (on a phone Material lets it reach the screen's edges), inside the screen.
    frame = tabbed.locator(".tabbed-labels").bounding_box()
    width = any_page.evaluate("window.innerWidth")
    assert frame is not None and frame["x"] >= 0 and frame["x"] + frame["width"] <= width
    labels = tabbed.locator(".tabbed-labels > label")
    expected = [tab.label for section in howto.sections for tab in section.tabs]
    expect(labels).to_have_count(len(expected))
    for index, label in enumerate(expected):
        shown = labels.nth(index)
        expect(shown).to_be_visible()
        expect(shown).to_have_text(label)
        box = shown.bounding_box()
        assert box is not None
        # Inside the row, not cut off, nothing to scroll to see it.
        assert frame["x"] - 0.5 <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"] + 0.5, label
        assert shown.evaluate("e => e.scrollWidth <= e.clientWidth && e.scrollHeight <= e.clientHeight"), label
    assert tabbed.locator(".tabbed-labels").evaluate("e => e.scrollWidth <= e.clientWidth")
    assert horizontal_overflow(any_page) <= 0


def test_the_phone_header_names_the_site_and_its_buttons(phone_page: Page, kb: KnowledgeBase) -> None:
    phone_page.goto(address(issue_type_page(kb.issue_types.issue_types[0].id)))
    title = phone_page.locator(".md-header__topic:first-child .md-ellipsis")
    expect(title).to_be_visible()
    expect(title).to_have_text(kb.site.site_name)
    assert title.evaluate("e => e.scrollWidth <= e.clientWidth && e.scrollHeight <= e.clientHeight")
    box = title.bounding_box()
    header = phone_page.locator("header.md-header").bounding_box()
    assert box is not None and header is not None and box["y"] >= header["y"]
    assert box["y"] + box["height"] <= header["y"] + header["height"]
    # Every button of the header that a person can see has a name: its words (perhaps for screen readers only),
    # an aria-label, or at least a tooltip (Material's palette toggle, whose radio input is the one named).
    names = phone_page.locator("header.md-header").evaluate(
        """header => [...header.querySelectorAll("a, label.md-header__button, button")]
            .filter(element => element.getBoundingClientRect().width > 0)
            .map(element => [element.className, (element.getAttribute("aria-label")
                || element.textContent.trim() || element.getAttribute("title") || "").trim()])"""
    )
    assert len(names) >= 4
    for class_name, name in names:
        assert name, f"{class_name}: no name"
    for target, label in (("__drawer", kb.site.labels.menu_button), ("__search", kb.site.labels.search_button)):
        button = phone_page.locator(f"label.md-header__button[for={target}]")
        expect(button).to_have_attribute("title", label)
        expect(button).to_have_text(label)


def test_an_issue_type_page_has_its_trail_date_related_articles_and_contact(any_page: Page, kb: KnowledgeBase) -> None:
    issue_type = next(item for item in kb.issue_types.issue_types if item.related)
    any_page.goto(address(issue_type_page(issue_type.id)))
    trail = any_page.get_by_role("navigation", name=kb.site.labels.breadcrumb)
    expect(trail).to_be_visible()
    expect(trail.locator("li")).to_have_count(3)
    expect(trail.locator("[aria-current=page]")).to_have_text(issue_type.title)
    expect(any_page.locator(".kb-updated time")).to_have_attribute("datetime", re.compile(r"^\d{4}-\d{2}-\d{2}$"))
    related = any_page.locator("#articles-lies + ul a")
    expect(related.first).to_have_text(kb.issue_type(issue_type.related[0]).title)
    contact = any_page.locator(".kb-contact")
    expect(contact.get_by_role("heading", name=kb.site.labels.contact_title)).to_be_visible()
    expect(contact.get_by_role("link", name=kb.site.contact.email)).to_have_attribute(
        "href", f"mailto:{kb.site.contact.email}"
    )
    # Follow the trail back to the list of issue types.
    trail.get_by_role("link", name=kb.issue_types.title).click()
    expect(any_page).to_have_url(re.compile(r"/types-de-problemes/$"))
    assert horizontal_overflow(any_page) <= 0
    if any_page.viewport_size == PHONE:  # the trail's links are tapped on a phone (test_phone.py's measure)
        small = small_targets(any_page)
        assert not small, "targets under 24 x 24 px:\n" + "\n".join(small)


def test_an_unknown_address_gets_the_french_404_page(page: Page, kb: KnowledgeBase) -> None:
    response = page.goto("/cette-page-n-existe-pas/")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text(kb.site.not_found.title)
    page.get_by_role("link", name=kb.site.not_found.home_link).click()
    expect(page.locator("h1")).to_contain_text(kb.site.home.title)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_new_parts_pass_axe(any_page: Page, kb: KnowledgeBase, axe_source: str, scheme: str) -> None:
    any_page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    for path in ("/cette-page-n-existe-pas/", address(issue_type_page(kb.issue_types.issue_types[2].id))):
        any_page.goto(path)
        violations = axe_violations(any_page, axe_source)
        assert violations == [], f"{any_page.url} ({scheme}):\n" + "\n".join(violations)


def test_the_tab_labels_wrap_on_a_phone_without_moving_the_page(phone_page: Page, kb: KnowledgeBase) -> None:
    phone_page.goto(address(article_page(kb.site.call_id.howto_article)))
    labels = phone_page.locator(".tabbed-set").first.locator(".tabbed-labels > label")
    last = labels.last
    last.click()
    expect(last).to_be_visible()
    box = last.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
