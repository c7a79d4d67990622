"""Render the knowledge base to Markdown pages: model in, {page path: markdown} out."""

from __future__ import annotations

import json
from collections.abc import Callable
from posixpath import relpath
from typing import Any

import jinja2

from kb_build.model import KnowledgeBase
from kb_build.paths import (
    FIXED_PAGES,
    SERVICE,
    article_page,
    issue_type_page,
    issue_types_index_page,
    link,
    page_index,
    url_of,
)

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("kb_build", "templates"),
    undefined=jinja2.StrictUndefined,
    autoescape=False,  # the output is Markdown, and the text in data/ is Markdown written by the support team
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)

NavItem = dict[str, Any]

# With many issue types, listing them all would make every page heavy (and MkDocs' build quadratic):
# the navigation then lists the index only, the index is paged, and other pages show the first few.
NAV_ISSUE_TYPES_MAX = 20
INDEX_PAGE_SIZE = 40
RELATED_SHOWN = 12


def render(kb: KnowledgeBase, *, service_url: str = "") -> dict[str, str]:
    """Every generated page of the help center. `service_url` is where the status service answers ("" = same site)."""
    pages: dict[str, str] = {}
    pages_by_id = page_index(kb)

    def page(path: str, template: str, **context: Any) -> None:
        pages[path] = _ENV.get_template(template).render(
            kb=kb,
            labels=kb.site.labels,
            page=path,
            link=_linker(path, pages_by_id),
            related_shown=RELATED_SHOWN,
            service=SERVICE.under(service_url),
            **context,
        )

    page(FIXED_PAGES["accueil"], "home.md.j2")
    page(FIXED_PAGES["processus"], "process.md.j2")
    issue_types = kb.issue_types.issue_types
    index_pages = [issue_types_index_page(n + 1) for n in range(max(1, -(-len(issue_types) // INDEX_PAGE_SIZE)))]
    for number, index_page in enumerate(index_pages):
        chunk = issue_types[number * INDEX_PAGE_SIZE : (number + 1) * INDEX_PAGE_SIZE]
        page(index_page, "issue_types.md.j2", issue_types=chunk, index_pages=index_pages)
    for issue_type in kb.issue_types.issue_types:
        page(issue_type_page(issue_type.id), "issue_type.md.j2", issue_type=issue_type)
    page(FIXED_PAGES["delais"], "timelines.md.j2")
    page(FIXED_PAGES["communication"], "communication.md.j2")
    page(FIXED_PAGES["escalade"], "escalation.md.j2")
    for article in kb.articles.articles:
        page(article_page(article.id), "article.md.j2", article=article)
    page(FIXED_PAGES["suivre-mon-ticket"], "tracking.md.j2", status_texts=status_texts_json(kb))
    page(FIXED_PAGES["etat-du-service"], "service_status.md.j2")
    return pages


def status_texts_json(kb: KnowledgeBase) -> str:
    """The tracking texts for the in-page answer's script, safe inside a <script type="application/json">."""
    here = url_of(FIXED_PAGES["suivre-mon-ticket"])
    howto = kb.article(kb.site.call_id.howto_article)
    texts = {
        "result": kb.tracking.result.model_dump(),
        "incident": kb.incidents.texts.model_dump(
            include={"ticket_title", "ticket_text", "ticket_link", "latest_update", "update_state"}
        ),
        "howto": {"title": howto.title, "url": _relative_url(here, url_of(article_page(howto.id)))},
        "contact": {
            "title": kb.site.labels.contact_title,
            "url": _relative_url(here, url_of(FIXED_PAGES["communication"])) + "#contact",
        },
    }
    return json.dumps(texts, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")


def theme_settings(kb: KnowledgeBase, service_url: str) -> dict[str, str]:
    """What the theme override (overrides/main.html) shows on every page: the header link, the feed, the banner."""
    texts = kb.incidents.texts
    service = SERVICE.under(service_url)
    return {
        "status_url": service.status_page,
        "status_label": texts.header_link,
        "feed_url": service.feed,
        "feed_title": texts.feed_title.replace("{brand}", kb.site.brand),
        "current_url": service.current_incidents,
        "banner_label": texts.banner_label,
        "banner_one": texts.banner_one,
        "banner_many": texts.banner_many,
        "banner_link": texts.banner_link,
    }


def _relative_url(from_url: str, to_url: str) -> str:
    """Between two directory URLs ("suivre-mon-ticket/" -> "../communication/")."""
    return relpath("/" + to_url, "/" + from_url) + "/"


def navigation(kb: KnowledgeBase) -> list[NavItem]:
    """The site's navigation, in the order a customer needs it, as MkDocs' `nav` setting."""
    issue_types: list[NavItem] = [{kb.issue_types.title: FIXED_PAGES["types-de-problemes"]}]
    if len(kb.issue_types.issue_types) <= NAV_ISSUE_TYPES_MAX:
        issue_types += [{item.title: issue_type_page(item.id)} for item in kb.issue_types.issue_types]
    return [
        {kb.site.home.title: FIXED_PAGES["accueil"]},
        {kb.process.title: FIXED_PAGES["processus"]},
        {kb.issue_types.title: issue_types},
        {kb.timelines.title: FIXED_PAGES["delais"]},
        {kb.communication.title: FIXED_PAGES["communication"]},
        {kb.escalation.title: FIXED_PAGES["escalade"]},
        *({article.title: article_page(article.id)} for article in kb.articles.articles),
        {kb.tracking.title: FIXED_PAGES["suivre-mon-ticket"]},
        {kb.incidents.title: FIXED_PAGES["etat-du-service"]},
    ]


def _linker(from_page: str, pages_by_id: dict[str, str]) -> Callable[..., str]:
    """`link(page id or path, anchor)` as seen from `from_page`."""

    def to(page_id_or_path: str, anchor: str = "") -> str:
        target = pages_by_id.get(page_id_or_path, page_id_or_path)
        return link(from_page, target) + (f"#{anchor}" if anchor else "")

    return to
