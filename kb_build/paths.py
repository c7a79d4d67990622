"""Where each page of the help center lives: one place for every link and URL."""

from __future__ import annotations

from posixpath import dirname, relpath

from kb_build.model import KnowledgeBase

# Pages that exist whatever the data holds, by page id.
FIXED_PAGES: dict[str, str] = {
    "accueil": "index.md",
    "processus": "processus.md",
    "types-de-problemes": "types-de-problemes/index.md",
    "delais": "delais.md",
    "communication": "communication.md",
    "escalade": "escalade.md",
    "suivre-mon-ticket": "suivre-mon-ticket.md",
    # The status service serves this address itself, live, in this page's shell (see status_api/html.py).
    "etat-du-service": "etat-du-service.md",
}


def issue_type_page(issue_type_id: str) -> str:
    return f"types-de-problemes/{issue_type_id}.md"


def issue_types_index_page(number: int) -> str:
    """Page `number` (from 1) of the issue types' index, which is paged when there are many."""
    return FIXED_PAGES["types-de-problemes"] if number == 1 else f"types-de-problemes/liste/{number}.md"


def article_page(article_id: str) -> str:
    return f"articles/{article_id}.md"


def url_of(page: str) -> str:
    """The directory URL MkDocs gives a page, relative to the site root ("delais.md" -> "delais/")."""
    stem = page.removesuffix(".md")
    if stem == "index":
        return ""
    return stem.removesuffix("/index") + "/"


def link(from_page: str, to_page: str) -> str:
    """A relative Markdown link between two pages, which MkDocs checks and rewrites."""
    return relpath(to_page, dirname(from_page) or ".")


def page_index(kb: KnowledgeBase) -> dict[str, str]:
    """Every page id a writer may link to (fixed pages, issue types, articles) and its path."""
    pages = dict(FIXED_PAGES)
    pages.update({item.id: issue_type_page(item.id) for item in kb.issue_types.issue_types})
    pages.update({item.id: article_page(item.id) for item in kb.articles.articles})
    return pages
