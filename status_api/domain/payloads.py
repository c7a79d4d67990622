"""What staff and customers send, and its validation against the ids and call-ID format of data/*.yml.

Each rule is stated once, on the model, in a form the OpenAPI document carries too (see http/openapi.py):
a pattern, an enum of ids (`x-kb-ids`), a call-ID pattern (`x-kb-call-id`), a JSON Schema `anyOf`, or a rule
between fields (`x-kb-rules`, written with the ids of the data). What JSON Schema cannot say (one date before
another) is said in the field's description; rules against a record's current state are conflicts (409).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypedDict, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from kb_build.model import CallIdFormat, KnowledgeBase
from kb_build.typography import french_plain
from status_api.domain import callid, messages, text
from status_api.domain.errors import Invalid, Loc, Problem

_M = TypeVar("_M", bound=BaseModel)

REFERENCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
_REFERENCE = re.compile(REFERENCE_PATTERN, re.ASCII)
# RFC 3339 (what JSON clients write), years 2000 to 2199: other years are typing mistakes, and would break
# date arithmetic near years 1 and 9999. A datetime read from YAML needs no pattern.
MOMENT_YEARS = (2000, 2199)
MOMENT_PATTERN = r"^2[01][0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})$"
_RFC3339 = re.compile(MOMENT_PATTERN.replace("^2[01][0-9]{2}", "^[0-9]{4}"), re.ASCII)


class Context(TypedDict):
    """What validation checks against: the ids and the call-ID format of the loaded data."""

    ids: dict[str, tuple[str, ...]]
    call_id: CallIdFormat


def kb_ids(kb: KnowledgeBase) -> dict[str, tuple[str, ...]]:
    """The ids a payload may name, by kind, in the order of the data files."""
    steps = kb.process.steps
    return {
        "step": tuple(s.id for s in steps),
        "optional_step": tuple(s.id for s in steps if s.optional),
        "issue_type": tuple(t.id for t in kb.issue_types.issue_types),
        "team": tuple(t.id for t in kb.escalation.teams),
        "incident_state": tuple(s.id for s in kb.incidents.states),
        "service": tuple(s.id for s in kb.incidents.services),
        # A service state an incident can cause: any but the first, a service working normally, and the one
        # of planned maintenance.
        "impact": tuple(
            s.id for s in kb.incidents.service_states[1:] if s.id != kb.incidents.maintenance.service_state
        ),
    }


def _known_id(kind: str) -> Callable[[str, ValidationInfo], str]:
    def check(value: str, info: ValidationInfo) -> str:
        context: Context | None = info.context
        if context is not None and value not in context["ids"][kind]:
            raise PydanticCustomError("unknown_id", "unknown {kind}", {"kind": kind})
        return value

    return check


def _call_id(value: str, info: ValidationInfo) -> str:
    context: Context | None = info.context
    if context is None:
        return value
    call_id = callid.parse(value, context["call_id"])
    if call_id is None:
        raise PydanticCustomError("invalid_call_id", "not a call ID")
    return call_id


def _iso_only(value: object) -> object:
    # JSON has no date type: a date is an RFC 3339 string (or a datetime from YAML), never a number, which
    # pydantic would otherwise read as seconds since 1970.
    if isinstance(value, datetime) or (isinstance(value, str) and _RFC3339.match(value)):
        return value
    raise PydanticCustomError("datetime_iso", "RFC 3339 date-time expected")


def _plausible(value: datetime) -> datetime:
    if not MOMENT_YEARS[0] <= value.year <= MOMENT_YEARS[1]:
        years = {"min_year": MOMENT_YEARS[0], "max_year": MOMENT_YEARS[1]}
        raise PydanticCustomError("moment_out_of_range", "year out of range", years)
    return value


def _text(value: str) -> str:
    if text.CONTROL.search(value):
        raise PydanticCustomError("control_character", "control character")
    stripped = text.strip(value)
    if not stripped:
        raise PydanticCustomError("string_too_short", "blank", {"min_length": 1})
    # Spaced the French way once, as it comes in (staff and the helpdesk type ordinary spaces): every page,
    # answer and feed that shows it then has it right at no cost.
    return french_plain(stripped)


def _ids(kind: str) -> Any:
    # Marked fields get the ids of the loaded data as an enum in the OpenAPI document.
    return Field(max_length=60, json_schema_extra={"x-kb-ids": kind})


Moment = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_only),
    AfterValidator(_plausible),
    Field(json_schema_extra={"pattern": MOMENT_PATTERN}),
]
Text = Annotated[str, Field(max_length=2000, json_schema_extra={"pattern": text.TEXT_PATTERN}), AfterValidator(_text)]
Title = Annotated[str, Field(max_length=200, json_schema_extra={"pattern": text.TEXT_PATTERN}), AfterValidator(_text)]
StepId = Annotated[str, _ids("step"), AfterValidator(_known_id("step"))]
OptionalStepId = Annotated[str, _ids("optional_step"), AfterValidator(_known_id("optional_step"))]
IssueTypeId = Annotated[str, _ids("issue_type"), AfterValidator(_known_id("issue_type"))]
TeamId = Annotated[str, _ids("team"), AfterValidator(_known_id("team"))]
StateId = Annotated[str, _ids("incident_state"), AfterValidator(_known_id("incident_state"))]
ServiceId = Annotated[str, _ids("service"), AfterValidator(_known_id("service"))]
ImpactId = Annotated[str, _ids("impact"), AfterValidator(_known_id("impact"))]
CallIdText = Annotated[
    str,
    Field(max_length=200, examples=["2025 0312 1430 1548 7296"], json_schema_extra={"x-kb-call-id": True}),
    AfterValidator(_call_id),
]


def _some(*alternatives: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """JSON Schema for "at least one of these fields, with a value of this schema"."""
    return {"anyOf": [{"required": [name], "properties": {name: schema}} for name, schema in alternatives]}


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LookupIn(Payload):
    call_id: CallIdText


class TicketIn(Payload):
    """A ticket as staff create or replace it; its public updates are added separately."""

    model_config = ConfigDict(json_schema_extra={"x-kb-rules": ["resolved_at_last_step", "skipped_not_current"]})

    issue_type: IssueTypeId
    step: StepId
    team: TeamId | None = Field(None, description="Default: the team that handles the step in data/process.yml")
    opened_at: Moment
    resolved_at: Moment | None = Field(None, description="Only at the last step, and not before opened_at")
    prioritised: StrictBool = Field(False, description="A disruption affecting several users")
    call_ids: list[CallIdText] = Field(min_length=1, max_length=50, json_schema_extra={"uniqueItems": True})
    skipped_steps: list[OptionalStepId] = Field(
        default_factory=list, description="Optional steps this ticket passed over (never its current step)"
    )


class UpdateIn(Payload):
    """A public update, optionally moving the ticket to another step or team, or marking it resolved."""

    model_config = ConfigDict(
        json_schema_extra={
            **_some(
                ("text", {"type": "string"}),
                ("step", {"type": "string"}),
                ("team", {"type": "string"}),
                ("resolved", {"const": True}),
            ),
            "x-kb-rules": ["resolved_last_step"],
        }
    )

    text: Text | None = None
    at: Moment | None = Field(None, description="Default: now; not before the ticket's opening")
    step: StepId | None = None
    team: TeamId | None = Field(None, description="Default: unchanged, or the new step's team when the step changes")
    resolved: StrictBool = Field(False, description="The ticket is resolved; it must then be at the last step")

    @model_validator(mode="after")
    def _something(self) -> UpdateIn:
        if self.text is None and self.step is None and self.team is None and not self.resolved:
            raise PydanticCustomError("empty_update", messages.EMPTY_UPDATE)
        return self


class ImportedUpdate(Payload):
    at: Moment
    text: Text | None = None
    step: StepId | None = None
    team: TeamId | None = None


class ImportedTicket(TicketIn):
    reference: str
    updates: list[ImportedUpdate] = Field(default_factory=list)


class IncidentIn(Payload):
    """An incident as staff create or replace it; its state then moves through updates."""

    model_config = ConfigDict(json_schema_extra={"x-kb-rules": ["final_state_ended"]})

    title: Title
    services: list[ServiceId] = Field(min_length=1, max_length=50)
    state: StateId | None = Field(
        None, description="At creation only (default: the lifecycle's first state); afterwards, post an update"
    )
    started_at: Moment
    ended_at: Moment | None = Field(
        None, description="Only with a final state, which requires it; not before started_at"
    )
    impact: ImpactId | None = Field(
        None, description="The state it puts its services in while it lasts (default: the data's default_impact)"
    )


class IncidentUpdateIn(Payload):
    """A public update, optionally moving the incident to another state (one the lifecycle allows)."""

    model_config = ConfigDict(json_schema_extra=_some(("text", {"type": "string"}), ("state", {"type": "string"})))

    text: Text | None = None
    at: Moment | None = Field(None, description="Default: now; not before the incident's start")
    state: StateId | None = None

    @model_validator(mode="after")
    def _something(self) -> IncidentUpdateIn:
        if self.text is None and self.state is None:
            raise PydanticCustomError("empty_update", messages.EMPTY_INCIDENT_UPDATE)
        return self


class ImportedIncidentUpdate(Payload):
    at: Moment
    text: Text | None = None
    state: StateId | None = None


class ImportedIncident(IncidentIn):
    reference: str
    updates: list[ImportedIncidentUpdate] = Field(default_factory=list)
    tickets: list[str] = Field(default_factory=list, description="References of the tickets linked to it")


class MaintenanceIn(Payload):
    """Planned maintenance as staff announce or replace it; its phase follows the clock, never the body."""

    title: Title
    message: Text = Field(description="What customers read: what is done and what they may notice")
    services: list[ServiceId] = Field(min_length=1, max_length=50)
    starts_at: Moment
    ends_at: Moment = Field(description="After starts_at; at creation, not already past (window_in_past)")


class MaintenanceUpdateIn(Payload):
    """A public update: a text, a new window (reschedule), or a cancellation (before the start: cancelled; during
    the window: ended now)."""

    model_config = ConfigDict(
        json_schema_extra=_some(
            ("text", {"type": "string"}),
            ("starts_at", {"type": "string"}),
            ("ends_at", {"type": "string"}),
            ("cancelled", {"const": True}),
        )
    )

    text: Text | None = None
    starts_at: Moment | None = Field(None, description="A new start; not once the maintenance has begun")
    ends_at: Moment | None = Field(None, description="A new end: after the start, and in the future")
    cancelled: StrictBool = Field(False, description="true: cancel it (or end it now when it is in progress)")

    @model_validator(mode="after")
    def _something(self) -> MaintenanceUpdateIn:
        if self.text is None and self.starts_at is None and self.ends_at is None and not self.cancelled:
            raise PydanticCustomError("empty_update", messages.EMPTY_MAINTENANCE_UPDATE)
        return self


class ImportedMaintenance(MaintenanceIn):
    reference: str
    cancelled: StrictBool = False


class Validator:
    """Payloads checked against one knowledge base, whose ids are gathered once (it is immutable)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.context = Context(ids=kb_ids(kb), call_id=kb.site.call_id)

    def __call__(self, model: type[_M], data: object, prefix: Loc = ()) -> _M:
        """The payload as `model`, or every problem at once: types, unknown ids and call IDs alike."""
        try:
            return model.model_validate(data, context=self.context)
        except ValidationError as error:
            raise Invalid([self._reworded(e, prefix) for e in error.errors(include_url=False)]) from None

    def shape(self, model: type[_M], data: object) -> _M:
        """The payload as `model`, its fields' types and sizes checked, but not its ids or call IDs."""
        try:
            return model.model_validate(data)
        except ValidationError as error:
            raise Invalid([self._reworded(e, ()) for e in error.errors(include_url=False)]) from None

    def _reworded(self, error: ErrorDetails, prefix: Loc) -> Problem:
        kind, loc, value = error["type"], (*prefix, *error["loc"]), error.get("input")
        if kind == "unknown_id":
            id_kind = error.get("ctx", {})["kind"]
            allowed = self.context["ids"][id_kind]
            return Problem(loc, "unknown_id", messages.unknown_id(str(value), id_kind, allowed), allowed)
        if kind == "invalid_call_id":
            fmt = self.kb.site.call_id
            message = messages.INVALID_CALL_ID_FIELD.format(
                value=value, min_digits=fmt.min_digits, max_digits=fmt.max_digits
            )
            return Problem(loc, "invalid_call_id", message)
        if kind == "empty_update":
            return Problem(loc, "invalid_body", str(error["msg"]))
        if kind.startswith(messages.DATETIME_ERRORS):
            kind = "datetime_iso"
        template = messages.FIELD_ERRORS.get(kind, messages.FIELD_ERROR_FALLBACK)
        try:
            message = template.format(**error.get("ctx", {}))
        except (KeyError, IndexError):
            message = messages.FIELD_ERROR_FALLBACK
        return Problem(loc, "invalid_body", message)


def check_reference(reference: str, loc: Loc = ()) -> Problem | None:
    if _REFERENCE.fullmatch(reference):
        return None
    return Problem(loc, "invalid_reference", messages.INVALID_REFERENCE)


def fingerprint(payload: BaseModel) -> str:
    """What makes two requests with the same Idempotency-Key the same request."""
    return hashlib.sha256(payload.model_dump_json().encode()).hexdigest()
