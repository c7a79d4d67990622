"""The generic webhook's body, for helpdesks other than Zendesk: already in our words (the ids of data/*.yml).

A helpdesk's automation (Freshdesk, Zammad, ...) or a relay in front of it sends one change of one ticket;
it is validated as staff's payloads are (an unknown id is a 422 naming the allowed ones), then read into the
HelpdeskChange that core/helpdesk.apply applies, the same as a Zendesk delivery.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StrictBool

from status_api.domain.helpdesk import HelpdeskChange, public_comment
from status_api.domain.payloads import CallIdText, IssueTypeId, Moment, Payload, StepId, TeamId

# Our reference of the helpdesk's ticket 4521 is HD-4521 (Zendesk's are ZD-, from data/helpdesk.yml).
REFERENCE_PREFIX = "HD-"
# Deliveries' ids are kept apart from Zendesk's, whose invocation ids could be anything.
DELIVERY_PREFIX = "generic:"


def _blank_is_none(value: object) -> object:
    # An automation fills its body from placeholders: an empty one says nothing of that part of the ticket.
    return None if isinstance(value, str) and not value.strip() else value


# What an empty placeholder gives, read as absent: said so in the document too.
_BLANK = {"type": "string", "pattern": r"^\s*$"}


def _blank_allowed(schema: dict[str, Any]) -> None:
    if "anyOf" in schema:
        schema["anyOf"].append(dict(_BLANK))
    elif "anyOf" in schema.get("items", {}):
        schema["items"]["anyOf"].append(dict(_BLANK))


def _number_as_text(value: object) -> object:
    # `"ticket": {{ticket.id}}` in a template gives a JSON number.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class GenericDelivery(Payload):
    """One change of one helpdesk ticket, as the generic webhook takes it (README, "Other helpdesks").

    An empty string is read as absent (an automation's empty placeholder), and so is an empty call ID.
    """

    delivery: str = Field(
        min_length=1,
        max_length=100,
        pattern=r"^[\u0021-\u007e]+$",
        description="This delivery's unique id: a retry carries the same one and changes nothing",
    )
    ticket: Annotated[str, BeforeValidator(_number_as_text)] = Field(
        min_length=1,
        max_length=60,
        pattern=r"^[A-Za-z0-9._-]+$",
        description="The helpdesk's ticket id (a JSON number is read as its digits); our reference is "
        f"{REFERENCE_PREFIX} followed by it",
    )
    at: Moment = Field(
        description="When the change happened in the helpdesk: older than the last applied, ignored; more than 5 "
        "minutes ahead of the service's clock, refused"
    )
    opened_at: Annotated[Moment | None, BeforeValidator(_blank_is_none)] = Field(
        None,
        description="When the ticket was opened (used when the delivery creates it; default: at)",
        json_schema_extra=_blank_allowed,
    )
    call_ids: list[Annotated[CallIdText | None, BeforeValidator(_blank_is_none)]] = Field(
        default_factory=list,
        max_length=20,
        description="The call IDs of the ticket: the first delivery with one creates the ticket here",
        json_schema_extra=_blank_allowed,
    )
    step: Annotated[StepId | None, BeforeValidator(_blank_is_none)] = Field(None, json_schema_extra=_blank_allowed)
    team: Annotated[TeamId | None, BeforeValidator(_blank_is_none)] = Field(None, json_schema_extra=_blank_allowed)
    issue_type: Annotated[IssueTypeId | None, BeforeValidator(_blank_is_none)] = Field(
        None,
        description="At creation, default: the default issue type of data/helpdesk.yml",
        json_schema_extra=_blank_allowed,
    )
    resolved: StrictBool = Field(False, description="The ticket is solved: taken only with the last step")
    prioritised: StrictBool | None = Field(None, description="A disruption affecting several users")
    public_comment: Annotated[str | None, BeforeValidator(_blank_is_none)] = Field(
        None,
        max_length=5000,
        description="A comment customers may read: e-mail addresses and phone numbers are taken out, 2000 "
        "characters kept. Never send a private note here",
    )


def change(delivery: GenericDelivery) -> HelpdeskChange:
    return HelpdeskChange(
        ticket=delivery.ticket,
        delivery=DELIVERY_PREFIX + delivery.delivery,
        at=delivery.at,
        opened_at=delivery.opened_at,
        step=delivery.step,
        resolved=delivery.resolved,
        team=delivery.team,
        issue_type=delivery.issue_type,
        prioritised=delivery.prioritised,
        call_ids=tuple(call_id for call_id in delivery.call_ids if call_id is not None),
        comment=public_comment(delivery.public_comment) if delivery.public_comment else None,
    )
