"""E-mail subscriptions: subscribe (double opt-in), confirm, unsubscribe, and the notices subscribers get.

Subscribing does the same work whoever the address is (new, awaiting confirmation or confirmed): the address
takes the services asked for once its confirmation link is followed, and that link is e-mailed. The answer
never tells who subscribed. Keys (confirmation and unsubscribe) are random and the store keeps their SHA-256
only: a reader of the database cannot confirm or unsubscribe anyone.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from kb_build.model import KnowledgeBase
from kb_build.paths import service_of
from status_api.core import Core
from status_api.domain.maintenances import phase
from status_api.domain.outbox import Mail, Notice, normalised_address
from status_api.domain.records import Incident, Maintenance
from status_api.views.maintenances import window_text

# How long a confirmation link works.
CONFIRM_WINDOW = timedelta(hours=48)

# Given (address, confirmation key, unsubscribe key), the confirmation e-mail's content (mail/compose.py).
Confirmation = Callable[[str, str, str], dict[str, Any]]


class SubscriptionRefused(Exception):
    """A subscription not taken; `code` is stable, the message from data/subscriptions.yml."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def hashed(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def new_key() -> str:
    return secrets.token_urlsafe(32)


def checked(kb: KnowledgeBase, address: str, services: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """The address as kept and the services asked for (known ones, each once), or SubscriptionRefused."""
    texts = kb.subscriptions.texts
    kept = normalised_address(address)
    if kept is None:
        raise SubscriptionRefused("invalid_address", texts.invalid_address)
    known = {service.id for service in kb.incidents.services}
    if any(service not in known for service in services):
        raise SubscriptionRefused("invalid_services", texts.invalid_services)
    return kept, tuple(dict.fromkeys(services))


def subscribe(
    core: Core, address: str, services: tuple[str, ...], confirmation: Confirmation, language: str | None = None
) -> None:
    """Queue the confirmation e-mail of an address already `checked`, made from the page of `language` (its
    e-mails' language once confirmed; None: French)."""
    token, unsubscribe_key = new_key(), new_key()
    now = core.clock()

    def mail(subscriber: int) -> Mail:
        content = confirmation(address, token, unsubscribe_key)
        return Mail(f"confirm:{hashed(token)}", subscriber, content, hashed(unsubscribe_key))

    core.store.subscribe(address, services, hashed(token), now + CONFIRM_WINDOW, now, mail, language)


def confirmable(core: Core, token: str) -> bool:
    return 0 < len(token) <= 100 and core.store.confirmable(hashed(token), core.clock())


def confirm(core: Core, token: str) -> bool:
    return 0 < len(token) <= 100 and core.store.confirm(hashed(token), core.clock())


def unsubscribe(core: Core, key: str) -> bool:
    return 0 < len(key) <= 100 and core.store.unsubscribe(hashed(key))


def notify(core: Core, notice: Notice) -> None:
    """Tell subscribers of `notice.services` (all when empty), once per notice key: for a notice that is not
    an incident update (those are queued with the update itself, see incident_notice)."""
    core.store.queue_notice(notice)


def in_languages(kb: KnowledgeBase, content: Callable[[KnowledgeBase], dict[str, Any]]) -> dict[str, Any]:
    """A notice's content in French (what webhooks get), with under `languages` what each other language of
    the help center says differently (the state's and services' names, dates, the page's address), for the
    e-mails of its subscribers (mail/compose.py)."""
    french = content(kb)
    others = {}
    for code in kb.languages[1:]:
        translated = content(kb.in_language(code))
        others[code] = {key: value for key, value in translated.items() if value != french.get(key)}
    return {**french, "languages": others} if others else french


def incident_notice(kb: KnowledgeBase, incident: Incident, core: Core) -> Notice | None:
    """The notice of an incident's latest update, for the subscribers of its services."""
    update = max((u for u in incident.updates if u.id is not None), key=lambda u: u.id or 0, default=None)
    if update is None:
        return None

    def content(kb: KnowledgeBase) -> dict[str, Any]:
        return {
            "title": incident.title,
            "state": kb.incident_state(incident.state).title,
            "text": update.text or "",
            "services": [kb.service(service).name for service in incident.services],
            "path": service_of(kb).incident_anchor(incident.reference),
        }

    return Notice(f"incident-update:{update.id}", incident.services, core.clock(), in_languages(kb, content))


def maintenance_notice(kb: KnowledgeBase, maintenance: Maintenance, core: Core) -> Notice | None:
    """The notice of a planned maintenance's latest update (its announcement first), for the subscribers of
    its services: its phase, what staff wrote, and its window as it now stands."""
    update = max((u for u in maintenance.updates if u.id is not None), key=lambda u: u.id or 0, default=None)
    if update is None:
        return None
    now = core.clock()
    first = update is maintenance.updates[0]

    def content(kb: KnowledgeBase) -> dict[str, Any]:
        return {
            "kind": "maintenance",
            "title": maintenance.title,
            "state": getattr(kb.incidents.maintenance.phases, phase(maintenance, now)),
            "text": update.text or (maintenance.message if first else ""),
            "window": window_text(maintenance.starts_at, maintenance.ends_at, kb),
            "services": [kb.service(service).name for service in maintenance.services],
            "path": service_of(kb).maintenance_anchor(maintenance.reference),
        }

    return Notice(f"maintenance-update:{update.id}", maintenance.services, now, in_languages(kb, content))
