"""Where each page of the help center lives, and the status service's addresses: one place for every URL."""

from __future__ import annotations

from dataclasses import asdict, dataclass
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


def site_path(page: str) -> str:
    """The absolute URL path of a page of the help center ("delais.md" -> "/delais/")."""
    return "/" + url_of(page)


@dataclass(frozen=True)
class ServiceAddresses:
    """The status service's addresses, as paths from where it answers; `{name}` parts as Starlette writes them.

    The help center links to the public ones (its pages, the banner's and the tracking form's scripts through
    the page's attributes); the service's routes are declared with the same table.
    """

    status_page: str  # the "État du service" page: the help center's page of that name, served live
    feed: str  # its Atom feed
    tracking: str  # the server-rendered "Suivre mon ticket" form and answer (works without JavaScript)
    lookup: str  # the JSON lookup behind the help center's in-page answer
    current_incidents: str  # the ongoing incidents, for the banner and customers' tools
    openapi: str  # the API's description
    tickets: str  # staff: one ticket
    ticket_updates: str  # staff: a ticket's public updates
    incidents: str  # staff: one incident
    incident_updates: str  # staff: an incident's public updates
    incident_tickets: str  # staff: a ticket linked to an incident
    healthz: str  # liveness
    readyz: str  # readiness

    def under(self, service_url: str) -> ServiceAddresses:
        """The same addresses where the service answers ("" when it serves this site too, else its origin)."""
        base = service_url.rstrip("/")
        return ServiceAddresses(**{name: base + path for name, path in asdict(self).items()})


_STATUS_PAGE = site_path(FIXED_PAGES["etat-du-service"]).rstrip("/")

SERVICE = ServiceAddresses(
    status_page=_STATUS_PAGE,
    feed=f"{_STATUS_PAGE}/flux.atom",
    tracking="/suivi",
    lookup="/api/v1/lookup",
    current_incidents="/api/v1/incidents/current",
    openapi="/api/openapi.json",
    tickets="/api/v1/tickets/{reference}",
    ticket_updates="/api/v1/tickets/{reference}/updates",
    incidents="/api/v1/incidents/{reference}",
    incident_updates="/api/v1/incidents/{reference}/updates",
    incident_tickets="/api/v1/incidents/{reference}/tickets/{ticket}",
    healthz="/healthz",
    readyz="/readyz",
)
