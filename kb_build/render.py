"""Render the knowledge base to Markdown pages: model in, {page path: markdown} out."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from posixpath import relpath
from typing import Any

import jinja2
from babel.dates import format_date

from kb_build.languages import language_root
from kb_build.model import DataFile, IssueType, KnowledgeBase
from kb_build.paths import (
    FIXED_PAGES,
    SERVICE,
    article_page,
    issue_type_page,
    issue_types_index_page,
    link,
    page_index,
    service_of,
    url_of,
)
from kb_build.prose import phrase_pattern
from kb_build.typography import colon, is_french

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
# Related articles under an issue type: the writer's choice first, then its neighbours.
RELATED_MAX = 5

# The data files each kind of page takes its words from: the page shows the latest of their `updated` dates.
PAGE_FILES: dict[str, tuple[str, ...]] = {
    "home.md.j2": ("site",),
    "process.md.j2": ("process", "escalation", "site"),
    "issue_types.md.j2": ("issue_types", "timelines", "site"),
    "issue_type.md.j2": ("issue_types", "timelines", "communication", "escalation", "articles", "site"),
    "timelines.md.j2": ("timelines", "communication", "issue_types", "site"),
    "communication.md.j2": ("communication", "timelines", "incidents", "site"),
    "escalation.md.j2": ("escalation", "issue_types", "site"),
    "article.md.j2": ("articles", "site"),
    "tracking.md.j2": ("tracking", "articles", "site"),
    "service_status.md.j2": ("incidents", "site"),
}

_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre")  # fmt: skip
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)


def render(kb: KnowledgeBase, *, service_url: str = "") -> dict[str, str]:
    """Every generated page of the help center. `service_url` is where the status service answers ("" = same site)."""
    pages: dict[str, str] = {}
    pages_by_id = page_index(kb)
    titles = page_titles(kb)
    neighbours = _Neighbours(kb)
    prompts = [phrase_pattern(prompt) for prompt in kb.site.contact.prompts]
    dates = file_dates(kb)

    def page(path: str, template: str, **context: Any) -> None:
        files = PAGE_FILES[template]
        if context.get("issue_type") is not None and context["issue_type"].id == kb.incidents.issue_type:
            files = (*files, "incidents")
        updated = max(dates[name] for name in files)
        values = {
            "kb": kb,
            "labels": kb.site.labels,
            "page": path,
            "link": _linker(path, pages_by_id),
            "related_shown": RELATED_SHOWN,
            # This language's tracking form (/en/suivi answers in English); the API is every language's.
            "service": service_of(kb).under(service_url),
            "updated": updated,
            "updated_text": long_date(updated, kb.language),
            "colon": colon(kb.language),
            "related": [],
            **context,
        }
        markdown = _ENV.get_template(template).render(values)
        # The way out to support, on every page whose text sends the reader there.
        text = _SCRIPT.sub("", markdown)
        if any(prompt.search(text) for prompt in prompts):
            markdown = markdown.rstrip("\n") + "\n\n" + _ENV.get_template("_contact.md.j2").render(values)
        pages[path] = markdown

    page(FIXED_PAGES["accueil"], "home.md.j2")
    page(FIXED_PAGES["processus"], "process.md.j2")
    issue_types = kb.issue_types.issue_types
    index_pages = _index_pages(kb)
    for number, index_page in enumerate(index_pages):
        chunk = issue_types[number * INDEX_PAGE_SIZE : (number + 1) * INDEX_PAGE_SIZE]
        page(index_page, "issue_types.md.j2", issue_types=chunk, index_pages=index_pages)
    for issue_type in kb.issue_types.issue_types:
        related = [(page_id, titles[page_id]) for page_id in neighbours.of(issue_type)]
        page(issue_type_page(issue_type.id), "issue_type.md.j2", issue_type=issue_type, related=related)
    page(FIXED_PAGES["delais"], "timelines.md.j2")
    page(FIXED_PAGES["communication"], "communication.md.j2")
    page(FIXED_PAGES["escalade"], "escalation.md.j2")
    for article in kb.articles.articles:
        page(article_page(article.id), "article.md.j2", article=article)
    page(FIXED_PAGES["suivre-mon-ticket"], "tracking.md.j2", status_texts=status_texts_json(kb))
    page(FIXED_PAGES["etat-du-service"], "service_status.md.j2")
    return pages


def _index_pages(kb: KnowledgeBase) -> list[str]:
    count = len(kb.issue_types.issue_types)
    return [issue_types_index_page(n + 1) for n in range(max(1, -(-count // INDEX_PAGE_SIZE)))]


def page_paths(kb: KnowledgeBase) -> frozenset[str]:
    """The paths of the pages `render` makes, without rendering them (the status service checks votes by them)."""
    return frozenset(page_index(kb).values()) | frozenset(_index_pages(kb))


def long_date(day: date, language: str) -> str:
    """A day written out the way its language writes it: « 1er décembre 2026 », "1 December 2026"."""
    if is_french(language):
        return french_date(day)
    # English without a region is written the British way, as the status checker writes it (views/dates.py).
    locale = "en_GB" if language.lower() == "en" else language.replace("-", "_")
    return format_date(day, format="long", locale=locale)


def french_date(day: date) -> str:
    """« 1er décembre 2026 », « 30 novembre 2026 »."""
    return f"{day.day}{'er' if day.day == 1 else ''} {_MONTHS[day.month - 1]} {day.year}"


def file_dates(kb: KnowledgeBase) -> dict[str, date]:
    """When each data file whose words reach the pages last changed for customers, by file name."""
    files: dict[str, DataFile] = {
        "site": kb.site,
        "process": kb.process,
        "issue_types": kb.issue_types,
        "timelines": kb.timelines,
        "communication": kb.communication,
        "escalation": kb.escalation,
        "articles": kb.articles,
        "tracking": kb.tracking,
        "incidents": kb.incidents,
    }
    return {name: record.updated for name, record in files.items()}


def page_titles(kb: KnowledgeBase) -> dict[str, str]:
    """The title of every page a writer may link to, by page id."""
    titles = {
        "accueil": kb.site.home.title,
        "processus": kb.process.title,
        "types-de-problemes": kb.issue_types.title,
        "delais": kb.timelines.title,
        "communication": kb.communication.title,
        "escalade": kb.escalation.title,
        "suivre-mon-ticket": kb.tracking.title,
        "etat-du-service": kb.incidents.title,
    }
    titles.update({item.id: item.title for item in kb.issue_types.issue_types})
    titles.update({item.id: item.title for item in kb.articles.articles})
    return titles


class _Neighbours:
    """The pages related to an issue type: those its writer chose, then the issue types sharing its delay or an
    escalation procedure, then the call-ID how-to; a few of them, found without comparing every pair."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.howto = kb.site.call_id.howto_article
        self.by_timeline: dict[str, list[str]] = {}
        self.by_rule: dict[str, list[str]] = {}
        for item in kb.issue_types.issue_types:
            self.by_timeline.setdefault(item.timeline, []).append(item.id)
            for rule in item.escalation:
                self.by_rule.setdefault(rule, []).append(item.id)

    def of(self, issue_type: IssueType) -> list[str]:
        candidates = [*issue_type.related]
        for rule in issue_type.escalation:
            candidates += self.by_rule[rule][: RELATED_MAX + 1]
        candidates += self.by_timeline[issue_type.timeline][: RELATED_MAX + 1]
        found: list[str] = []
        for page_id in candidates:
            if page_id != issue_type.id and page_id not in found:
                found.append(page_id)
        found = found[: RELATED_MAX - 1]
        return [*found, self.howto] if self.howto not in found else found


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
    # This language's status page and feed (/en/etat-du-service): the header link and the banner lead there.
    service = service_of(kb).under(service_url)
    return {
        "status_url": service.status_page,
        "status_label": texts.header_link,
        "feed_url": service.feed,
        "feed_title": texts.feed_title.replace("{brand}", kb.site.brand),
        "current_url": service.incidents_current,
        "banner_label": texts.banner_label,
        "banner_one": texts.banner_one,
        "banner_many": texts.banner_many,
        "banner_link": texts.banner_link,
        # Planned maintenance, when no incident is ongoing: in progress, or starting within the lead time.
        "maintenance_label": kb.incidents.maintenance.texts.banner_label,
        "maintenance_scheduled": kb.incidents.maintenance.texts.banner_scheduled,
        "maintenance_in_progress": kb.incidents.maintenance.texts.banner_in_progress,
        "maintenance_many": kb.incidents.maintenance.texts.banner_many,
    }


def feedback_settings(kb: KnowledgeBase, service_url: str) -> dict[str, Any]:
    """ "Cet article vous a-t-il été utile ?" on every page (overrides/partials/kb-feedback.html): where the vote
    goes, and its words."""
    texts = kb.site.feedback
    # A vote names its page from the site's root ("/en/delais/"): each language's pages are voted on apart.
    page_root = "/" + language_root(kb, kb.language)
    return {"action": SERVICE.under(service_url).feedback, "page_root": page_root, **texts.model_dump()}


def theme_labels(kb: KnowledgeBase) -> dict[str, Any]:
    """Material's words that the help center says its own way (overrides/): header buttons, breadcrumbs, 404."""
    labels, not_found = kb.site.labels, kb.site.not_found
    return {
        "brand": kb.site.brand,
        "menu_button": labels.menu_button,
        "search_button": labels.search_button,
        "breadcrumb": labels.breadcrumb,
        "not_found": {"title": not_found.title, "text": not_found.text, "home_link": not_found.home_link},
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
