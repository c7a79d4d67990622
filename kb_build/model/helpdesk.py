"""helpdesk.yml: how the helpdesk's words (Zendesk's statuses, groups, fields, tags) become ours."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kb_build.model.fields import Digits, Id, Plain, Record

# What prefixes the reference of a ticket made from the helpdesk: references are [A-Za-z0-9._-], 64 at most.
REFERENCE_PREFIX_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$"


class StatusStep(Record):
    zendesk: Plain = Field(description="A Zendesk status (new, open, pending, hold, solved, closed), any case")
    step: Id


class CustomStatusStep(Record):
    zendesk: Digits = Field(description="The id of a Zendesk custom ticket status")
    step: Id


class GroupTeam(Record):
    zendesk: Plain = Field(description="A Zendesk group, by id or by name")
    team: Id


class FieldValueIssueType(Record):
    zendesk: Plain = Field(description="A value of the ticket field (a drop-down option's tag)")
    issue_type: Id


class IssueTypeField(Record):
    field: Digits | None = Field(None, description="The id of the Zendesk ticket field that says the issue type")
    values: tuple[FieldValueIssueType, ...] = ()
    default: Id = Field(description="The issue type of a ticket whose field is empty or has an unmapped value")


class Zendesk(Record):
    reference_prefix: Annotated[str, Field(pattern=REFERENCE_PREFIX_PATTERN)] = Field(
        description="Our reference of a Zendesk ticket is this prefix and Zendesk's ticket number"
    )
    call_id_fields: tuple[Digits, ...] = Field(
        min_length=1, description="The ids of the ticket fields that hold call IDs (several per field allowed)"
    )
    statuses: tuple[StatusStep, ...] = Field(min_length=1)
    custom_statuses: tuple[CustomStatusStep, ...] = ()
    groups: tuple[GroupTeam, ...] = ()
    issue_type: IssueTypeField
    disruption_tags: tuple[Plain, ...] = Field((), description="Tags that mark a disruption affecting several users")


class Helpdesk(Record):
    zendesk: Zendesk
