"""Where each page of the help center lives, and the status service's addresses: one place for every URL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from posixpath import dirname, relpath

from kb_build.languages import language_root
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
    """The status service's public addresses, named once: its routes, its OpenAPI document, the rate limit
    and the timing floor, and the help center's links and scripts read them here."""

    # The status page lives at the help center's own "État du service" address: the service serves it live.
    status_page: str = "/" + url_of(FIXED_PAGES["etat-du-service"]).rstrip("/")
    feed: str = "/" + url_of(FIXED_PAGES["etat-du-service"]) + "flux.atom"
    # The form and its answer without JavaScript; the call ID travels in the POST body only, never in a URL.
    tracking: str = "/suivi"
    # E-mail subscriptions: the form's POST, the confirmation link's page, and the unsubscribe link (RFC 8058's
    # one-click POST goes there too).
    subscribe: str = "/etat-du-service/abonnement"
    subscription_confirm: str = "/etat-du-service/abonnement/confirmer"
    unsubscribe: str = "/etat-du-service/abonnement/desabonner"
    # Webhook subscriptions, registered by staff (token).
    webhooks: str = "/api/v1/webhooks"
    webhook: str = "/api/v1/webhooks/{id}"
    # "Cet article vous a-t-il été utile ?": the vote of every page, and the comment after a "no".
    feedback: str = "/avis"
    api: str = "/api"
    lookup: str = "/api/v1/lookup"
    incidents_current: str = "/api/v1/incidents/current"
    # Statuspage's address for its summary, so that its clients find ours where they look.
    statuspage_summary: str = "/api/v2/summary.json"
    openapi: str = "/api/openapi.json"
    ticket: str = "/api/v1/tickets/{reference}"
    ticket_updates: str = "/api/v1/tickets/{reference}/updates"
    incident: str = "/api/v1/incidents/{reference}"
    incident_updates: str = "/api/v1/incidents/{reference}/updates"
    incident_ticket: str = "/api/v1/incidents/{reference}/tickets/{ticket}"
    # Planned maintenance: the public list (ahead, under way, recently over), and staff's writes.
    maintenances: str = "/api/v1/maintenances"
    maintenance: str = "/api/v1/maintenances/{reference}"
    maintenance_updates: str = "/api/v1/maintenances/{reference}/updates"
    healthz: str = "/healthz"
    readyz: str = "/readyz"
    stats: str = "/api/v1/stats"
    # Zendesk's webhooks (signed with the webhook's secret, not the token).
    zendesk_hook: str = "/api/v1/hooks/zendesk"
    # Any other helpdesk's (signed with STATUS_API_HOOK_SECRET): a documented body in our words.
    generic_hook: str = "/api/v1/hooks/generic"

    @property
    def lookups(self) -> frozenset[str]:
        """The two doors of the public lookup, which share one budget and one timing floor."""
        return frozenset({self.lookup, self.tracking})

    def in_language(self, root: str) -> ServiceAddresses:
        """The addresses a language's pages use, `root` its folder (kb_build/languages.py: "" for French, "en/"):
        its own tracking form (/en/suivi), status page and feed (/en/etat-du-service, …/flux.atom) and
        subscription pages, at the same paths under its folder as its site's pages; the API is the same for all."""
        return replace(self, **{name: "/" + root + getattr(self, name).lstrip("/") for name in _PER_LANGUAGE})

    def trackings(self, roots: Iterable[str]) -> frozenset[str]:
        """The tracking form of each language (roots as in_language takes them): all of them lookup doors."""
        return frozenset(self.in_language(root).tracking for root in roots)

    def is_api(self, path: str) -> bool:
        """Whether an address is the API's, whose every answer, errors included, is JSON."""
        return path == self.api or path.startswith(self.api + "/")

    def incident_anchor(self, reference: str) -> str:
        return f"{self.status_page}#incident-{reference}"

    def maintenance_anchor(self, reference: str) -> str:
        return f"{self.status_page}#maintenance-{reference}"

    def under(self, service_url: str) -> ServiceAddresses:
        """The same addresses where the service answers: "" when it serves this site too, else its origin (a site
        built with STATUS_SERVICE_URL links there)."""
        base = service_url.rstrip("/")
        return ServiceAddresses(**{name: base + path for name, path in asdict(self).items()})


# The addresses that are pages, which each language has under its folder (in_language).
_PER_LANGUAGE = ("tracking", "status_page", "feed", "subscribe", "subscription_confirm", "unsubscribe")

SERVICE = ServiceAddresses()


def service_of(kb: KnowledgeBase) -> ServiceAddresses:
    """The addresses of kb's language (French: SERVICE itself; English: /en/suivi, /en/etat-du-service …)."""
    return _service_in(language_root(kb, kb.language))


@lru_cache(maxsize=64)
def _service_in(root: str) -> ServiceAddresses:
    return SERVICE.in_language(root)
