"""What waits in the store's outbox to leave: notices (one per public update, for every subscriber concerned)
and e-mails (one per subscriber and notice, or a confirmation).

A notice is queued in the transaction of the write it tells of, so that a committed update is never left
untold and a rolled back one is never told. The sender (status_api/mail/sender.py) turns each notice into one
e-mail per confirmed subscriber of the services concerned, then sends them, with retries. Every entry has a
unique key: the same notice or e-mail queued twice (two instances, a retried write) is queued once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# An address as mail servers take it: something@ a domain with a dot (or localhost), no space, no bracket.
ADDRESS = re.compile(r"[^@\s<>,;\"()\[\]\\]+@([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+|localhost)")
ADDRESS_MAX_LENGTH = 254


def normalised_address(text: str) -> str | None:
    """The address as kept (trimmed, in lower case), or None when it is not one.

    Mail providers take local parts in any case: kept as typed, Alice@ and alice@ would be two subscribers
    (two e-mails each time) and two rate-limit budgets for one inbox."""
    address = text.strip()
    if len(address) > ADDRESS_MAX_LENGTH or not ADDRESS.fullmatch(address):
        return None
    return address.lower()


@dataclass(frozen=True)
class Notice:
    """Something every confirmed subscriber of `services` (all of them when empty) is told once."""

    key: str
    services: tuple[str, ...]
    # When it was made: its e-mails are due from then.
    at: datetime
    # What the e-mail says (see mail/compose.py): JSON-serialisable.
    content: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Mail:
    """One e-mail to one subscriber: its unique key, what it says (with its recipient), and the hash of the
    unsubscribe key its links carry."""

    key: str
    subscriber: int
    content: dict[str, Any]
    unsubscribe_hash: str


@dataclass(frozen=True)
class Delivery:
    """One POST of a notice to one webhook: its unique key and the JSON body (signed when sent)."""

    key: str
    webhook: int
    body: str


@dataclass(frozen=True)
class Webhook:
    """A webhook subscription; `secret` signs its deliveries. Switched off (`disabled`) after repeated
    failures."""

    id: int
    url: str
    secret: str = field(repr=False)
    failures: int = 0
    disabled: bool = False


@dataclass(frozen=True)
class Queued:
    """An entry of the outbox as the sender claimed it."""

    id: int
    kind: str  # "notice", "mail" or "webhook"
    content: dict[str, Any]
    attempts: int
    # A notice's services; empty for a mail.
    services: tuple[str, ...] = ()
    # A webhook delivery's webhook.
    webhook: int | None = None


@dataclass(frozen=True)
class Recipient:
    subscriber: int
    address: str
    services: tuple[str, ...]
    # The language its e-mails are in (a code of site.yml, the page it subscribed from); None: French.
    language: str | None = None
