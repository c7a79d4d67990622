"""Webhook subscriptions, registered by staff: each notice (an incident's opening and updates, any other
notice) is POSTed as signed JSON to every webhook not switched off (see mail/sender.py)."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from status_api.core import Core
from status_api.domain import messages
from status_api.domain.errors import Problems
from status_api.domain.outbox import Webhook

URL_MAX_LENGTH = 2000


def register(core: Core, url: object) -> Webhook:
    """A new webhook for `url` (http or https), with a fresh secret to check its deliveries' signatures."""
    problems = Problems()
    text = url.strip() if isinstance(url, str) else ""
    parts = urlsplit(text)
    if len(text) > URL_MAX_LENGTH or parts.scheme not in ("http", "https") or not parts.hostname or parts.fragment:
        problems.add(("url",), messages.WEBHOOK_URL)
    problems.raise_any()
    return core.store.add_webhook(text, secrets.token_hex(32), core.clock())


def listed(core: Core) -> list[Webhook]:
    return core.store.webhooks()


def delete(core: Core, webhook: int) -> bool:
    return core.store.delete_webhook(webhook)
