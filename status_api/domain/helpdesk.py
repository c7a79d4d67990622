"""What a helpdesk delivery says of one of its tickets, already in our words (steps, teams, issue types)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from status_api.domain import text

# A public comment as the store keeps it: plain text, at most this long (a Text field's limit).
COMMENT_MAX = 2000
_EMAIL = re.compile(r"[\w.+-]+@(?:[\w-]+(\.[\w-]+)+|\[[\d.:a-fA-F]+\])")
# Phone numbers as agents type them: +33 6 12 34 56 78, 06 12 34 56 78, 0612345678. A call ID (about 20
# digits, with no leading + or 0-and-separators rhythm) is left alone.
_PHONE = re.compile(r"(?<![\w+])(\+\d{1,3}[ .-]?)?(\(0\))?0?\d([ .-]?\d{2}){4}(?!\d)|\+\d[\d .-]{7,16}\d")
# Other countries' ways: digits grouped by spaces, dots, dashes or brackets (+1 (415) 555-2671, 07700 900123,
# 0033612345678). Taken out when they hold 9 to 15 digits, a phone number's length (E.164); a call ID's 20, a
# date's or an amount's fewer, are left alone.
_DIGIT_GROUPS = re.compile(r"(?<![\w+])\+?\(?\d[\d .()-]{6,24}\d(?![\w])")
_PHONE_DIGITS = range(9, 16)
HIDDEN = "[…]"


def _hidden_if_phone(found: re.Match[str]) -> str:
    return HIDDEN if sum(c.isdigit() for c in found.group()) in _PHONE_DIGITS else found.group()


class HelpdeskChange(BaseModel):
    """One delivery, mapped: None where it says nothing (or nothing we map) of that part of the ticket.

    `delivery` identifies the delivery (retries of it carry the same one); `at` is the helpdesk's time of
    the change, which orders deliveries of the same ticket.
    """

    model_config = ConfigDict(frozen=True)

    ticket: str
    delivery: str
    at: datetime
    opened_at: datetime | None = None
    step: str | None = None
    resolved: bool = False
    team: str | None = None
    issue_type: str | None = None
    prioritised: bool | None = None
    call_ids: tuple[str, ...] = ()
    comment: str | None = None


def public_comment(raw: str) -> str | None:
    """A public comment's body as customers may read it: control characters, e-mail addresses and phone
    numbers taken out, capped in length; None when nothing is left."""
    cleaned = text.CONTROL.sub("", raw)
    cleaned = _PHONE.sub(HIDDEN, _EMAIL.sub(HIDDEN, cleaned))
    cleaned = _DIGIT_GROUPS.sub(_hidden_if_phone, cleaned)
    cleaned = text.strip(cleaned)
    if not cleaned:
        return None
    if len(cleaned) > COMMENT_MAX:
        cleaned = cleaned[: COMMENT_MAX - 1].rstrip() + "…"
    return cleaned


@dataclass(frozen=True)
class Received:
    """A delivery in the inbox, as the applier claimed it: which webhook took it (zendesk, generic), the
    ticket it is for and the change."""

    id: int
    source: str
    reference: str
    change: HelpdeskChange
