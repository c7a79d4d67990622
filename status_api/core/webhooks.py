"""Webhook subscriptions, registered by staff: each notice (an incident's opening and updates, any other
notice) is POSTed as signed JSON to every webhook not switched off (see mail/sender.py)."""

from __future__ import annotations

import re
import secrets

from status_api.core import Core
from status_api.domain import messages
from status_api.domain.errors import Problems
from status_api.domain.outbox import Webhook

URL_MAX_LENGTH = 2000
# What a webhook's address may be, the one rule for the service and its API document (http/openapi.py):
# http or https, a host name or address, a port, then a path or query in URI characters; no « # ».
URL_PATTERN = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?([/?][A-Za-z0-9._~:/?@!$&'()*+,;=-]*)?$"
_URL = re.compile(URL_PATTERN)


def register(core: Core, url: object) -> Webhook:
    """A new webhook for `url` (http or https), with a fresh secret to check its deliveries' signatures."""
    problems = Problems()
    text = url if isinstance(url, str) else ""
    if len(text) > URL_MAX_LENGTH or not _URL.fullmatch(text):
        problems.add(("url",), messages.WEBHOOK_URL)
    problems.raise_any()
    return core.store.add_webhook(text, secrets.token_hex(32), core.clock())


def listed(core: Core) -> list[Webhook]:
    return core.store.webhooks()


def delete(core: Core, webhook: int) -> bool:
    return core.store.delete_webhook(webhook)
