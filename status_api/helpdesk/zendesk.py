"""Zendesk's deliveries read with data/helpdesk.yml: a trigger's body (see trigger_body) or an event.

Everything is read as text and mapped through the data; a value the data does not map is logged and leaves
that part of the ticket as it is. Names, e-mail addresses and private comments are never read.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kb_build.model import Zendesk
from status_api.domain.helpdesk import HelpdeskChange, public_comment

logger = logging.getLogger("status_api.helpdesk")

EVENT_PREFIX = "zen:event-type:ticket."
# The ticket events whose ticket snapshot (`detail`) and own part (`event`) we read; others are acknowledged.
TICKET_EVENTS = frozenset(
    {
        "created",
        "status_changed",
        "custom_status_changed",
        "group_assignment_changed",
        "comment_added",
        "custom_field_changed",
        "tags_changed",
    }
)
TRIGGER_SOURCE = "zendesk-trigger"
_RESOLVING = frozenset({"solved", "closed"})
_TICKET_ID = re.compile(r"[0-9]{1,20}")
_CALL_ID_SPLIT = re.compile(r"[,;\n]+|\s{2,}")


class Malformed(ValueError):
    """The body is not a delivery of ours: what is wrong, in French, for Zendesk's activity log."""


@dataclass(frozen=True)
class Ignored:
    reason: str


def read(body: object, invocation: str | None, raw: bytes, mapping: Zendesk) -> HelpdeskChange | Ignored:
    """The change a delivery says, or why it is none of ours; Malformed when it is not a delivery at all."""
    if not isinstance(body, dict):
        raise Malformed("le corps doit être un objet JSON")
    # Retries of a delivery carry the same invocation (triggers) or event id; failing both, the same body.
    fallback = invocation or "body-" + hashlib.sha256(raw).hexdigest()
    kind = body.get("type")
    if isinstance(kind, str):
        return _event(body, kind, mapping)
    if body.get("source") == TRIGGER_SOURCE and isinstance(body.get("ticket"), dict):
        return _trigger(body["ticket"], fallback, mapping)
    raise Malformed(f"ni un événement Zendesk (« type ») ni le corps du déclencheur (« source »: « {TRIGGER_SOURCE} »)")


def _trigger(ticket: dict[str, Any], delivery: str, mapping: Zendesk) -> HelpdeskChange:
    number = _ticket_id(ticket.get("id"))
    at = _moment(ticket.get("updated_at"), "ticket.updated_at")
    status = _text(ticket.get("status"))
    step, resolved = _step(mapping, status, _text(ticket.get("custom_status")), number)
    team = _team(mapping, number, _text(ticket.get("group_id")), _text(ticket.get("group")))
    raw_ids = ticket.get("call_ids")
    values = raw_ids if isinstance(raw_ids, list) else [raw_ids]
    tags = ticket.get("tags")
    comment = _text(ticket.get("public_comment"))
    return HelpdeskChange(
        ticket=number,
        delivery=delivery,
        at=at,
        opened_at=_optional_moment(ticket.get("created_at")),
        step=step,
        resolved=resolved,
        team=team,
        issue_type=_issue_type(mapping, number, _text(ticket.get("issue_type"))),
        prioritised=_prioritised(mapping, tags.split() if isinstance(tags, str) else None),
        call_ids=_call_ids(values),
        comment=public_comment(comment) if comment else None,
    )


def _event(body: dict[str, Any], kind: str, mapping: Zendesk) -> HelpdeskChange | Ignored:
    name = kind.removeprefix(EVENT_PREFIX)
    if not kind.startswith(EVENT_PREFIX) or name not in TICKET_EVENTS:
        logger.info("zendesk event %s: not one we read, acknowledged", kind[:80])
        return Ignored("event type not read")
    detail = body.get("detail")
    event = body.get("event")
    if not isinstance(detail, dict):
        raise Malformed("événement sans « detail »")
    event = event if isinstance(event, dict) else {}
    delivery = _text(body.get("id"))
    if not delivery:
        raise Malformed("événement sans « id »")
    subject = _text(body.get("subject")) or ""
    number = _ticket_id(detail.get("id") or subject.removeprefix("zen:ticket:"))
    at = _moment(detail.get("updated_at") or body.get("time"), "detail.updated_at")
    step, resolved = _step(mapping, _text(detail.get("status")), _text(detail.get("custom_status")), number)
    group_name = _group_name(event) if name == "group_assignment_changed" else None
    team = _team(mapping, number, _text(detail.get("group_id")), group_name)
    tags = detail.get("tags")
    comment = None
    if name == "comment_added":
        found = event.get("comment")
        # Only a public comment: an internal note is never read.
        if isinstance(found, dict) and found.get("is_public") is True:
            body_text = _text(found.get("body"))
            comment = public_comment(body_text) if body_text else None
    call_ids: tuple[str, ...] = ()
    issue_type = None
    if name == "custom_field_changed":
        field = event.get("custom_field")
        field_id = _text(field.get("id")) if isinstance(field, dict) else None
        current = event.get("current")
        if field_id in mapping.call_id_fields:
            call_ids = _call_ids(current if isinstance(current, list) else [current])
        elif field_id is not None and field_id == mapping.issue_type.field:
            issue_type = _issue_type(mapping, number, _text(current))
    return HelpdeskChange(
        ticket=number,
        delivery=delivery,
        at=at,
        opened_at=_optional_moment(detail.get("created_at")),
        step=step,
        resolved=resolved,
        team=team,
        issue_type=issue_type,
        prioritised=_prioritised(mapping, [str(t) for t in tags] if isinstance(tags, list) else None),
        call_ids=call_ids,
        comment=comment,
    )


def exported(ticket: object, mapping: Zendesk) -> HelpdeskChange:
    """A ticket as Zendesk's incremental export gives it (the Tickets API's ticket object): its state, no comment.

    Its delivery id is its number and its updated_at: exporting the same state again changes nothing.
    """
    if not isinstance(ticket, dict):
        raise Malformed("ticket exporté illisible")
    number = _ticket_id(ticket.get("id"))
    at = _moment(ticket.get("updated_at"), "updated_at")
    step, resolved = _step(mapping, _text(ticket.get("status")), _text(ticket.get("custom_status_id")), number)
    values: dict[str, object] = {}
    fields = ticket.get("custom_fields")
    for field in fields if isinstance(fields, list) else []:
        if isinstance(field, dict) and (field_id := _text(field.get("id"))) is not None:
            values[field_id] = field.get("value")
    raw_ids = [values.get(field) for field in mapping.call_id_fields]
    issue_field = mapping.issue_type.field
    tags = ticket.get("tags")
    return HelpdeskChange(
        ticket=number,
        delivery=f"export-{number}-{at.isoformat()}",
        at=at,
        opened_at=_optional_moment(ticket.get("created_at")),
        step=step,
        resolved=resolved,
        team=_team(mapping, number, _text(ticket.get("group_id")), None),
        issue_type=_issue_type(mapping, number, _text(values.get(issue_field))) if issue_field else None,
        prioritised=_prioritised(mapping, [str(t) for t in tags] if isinstance(tags, list) else None),
        call_ids=_call_ids([v for raw in raw_ids for v in (raw if isinstance(raw, list) else [raw])]),
    )


def _text(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value.strip() or None
    return None


def _ticket_id(value: object) -> str:
    number = _text(value)
    if number is None or not _TICKET_ID.fullmatch(number):
        raise Malformed("numéro de ticket Zendesk manquant ou invalide")
    return number


def _moment(value: object, name: str) -> datetime:
    moment = _optional_moment(value)
    if moment is None:
        raise Malformed(f"date manquante ou invalide : {name} (ISO 8601 attendu)")
    return moment


def _optional_moment(value: object) -> datetime | None:
    text = _text(value)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None or not 2000 <= moment.year <= 2199:
        return None
    return moment.astimezone(UTC)


def _step(mapping: Zendesk, status: str | None, custom: str | None, number: str) -> tuple[str | None, bool]:
    """The step (a custom status wins over the status) and whether the status resolves the ticket."""
    resolving = status is not None and status.casefold() in _RESOLVING
    if custom:
        for item in mapping.custom_statuses:
            if item.zendesk == custom:
                return item.step, resolving
    if status is None:
        return None, False
    for status_step in mapping.statuses:
        if status_step.zendesk.casefold() == status.casefold():
            return status_step.step, resolving
    logger.warning("zendesk ticket %s: status %r is not in data/helpdesk.yml; step unchanged", number, status[:60])
    return None, False


def _team(mapping: Zendesk, number: str, group_id: str | None, name: str | None) -> str | None:
    if group_id in (None, "0") and name is None:
        return None
    for item in mapping.groups:
        if item.zendesk == group_id or (name is not None and item.zendesk.casefold() == name.casefold()):
            return item.team
    shown = name[:60] if name else group_id
    logger.warning("zendesk ticket %s: group %r is not in data/helpdesk.yml; team unchanged", number, shown)
    return None


def _group_name(event: dict[str, Any]) -> str | None:
    current = event.get("current")
    return _text(current.get("name")) if isinstance(current, dict) else None


def _issue_type(mapping: Zendesk, number: str, value: str | None) -> str | None:
    if value is None:
        return None
    for item in mapping.issue_type.values:
        if item.zendesk.casefold() == value.casefold():
            return item.issue_type
    logger.warning("zendesk ticket %s: issue type value %r is not in data/helpdesk.yml; unchanged", number, value[:60])
    return None


def _prioritised(mapping: Zendesk, tags: list[str] | None) -> bool | None:
    if tags is None:
        return None
    marks = {tag.casefold() for tag in mapping.disruption_tags}
    return any(tag.casefold() in marks for tag in tags)


def _call_ids(values: list[object]) -> tuple[str, ...]:
    found: list[str] = []
    for value in values:
        text = _text(value)
        for part in _CALL_ID_SPLIT.split(text or ""):
            if part.strip() and part.strip() not in found:
                found.append(part.strip())
    return tuple(found[:50])


def trigger_body(mapping: Zendesk) -> str:
    """The JSON body to paste in the Zendesk trigger's webhook action: placeholders Zendesk fills in."""
    ticket: dict[str, object] = {
        "id": "{{ticket.id}}",
        "status": "{{ticket.status}}",
        "group_id": "{{ticket.group.id}}",
        "group": "{{ticket.group.name}}",
        "tags": "{{ticket.tags}}",
        "created_at": "{{ticket.created_at_with_timestamp}}",
        "updated_at": "{{ticket.updated_at_with_timestamp}}",
        "call_ids": [f"{{{{ticket.ticket_field_{field}}}}}" for field in mapping.call_id_fields],
        # The latest public comment's text alone: no author name, no date line, never an internal note.
        "public_comment": "{% for comment in ticket.public_comments limit:1 %}{{comment.value}}{% endfor %}",
    }
    if mapping.issue_type.field is not None:
        ticket["issue_type"] = f"{{{{ticket.ticket_field_{mapping.issue_type.field}}}}}"
    return json.dumps({"source": TRIGGER_SOURCE, "ticket": ticket}, indent=2, ensure_ascii=False)
