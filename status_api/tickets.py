"""Ticket records, and the validation of what staff write against the ids defined in data/*.yml."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, TypedDict, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationError,
    ValidationInfo,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from kb_build.model import CallIdFormat, KnowledgeBase
from status_api import callid, messages
from status_api.errors import Code, Loc, PayloadError, Problem

_M = TypeVar("_M", bound=BaseModel)

REFERENCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
_REFERENCE = re.compile(REFERENCE_PATTERN, re.ASCII)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]", re.ASCII)


def _iso_only(value: object) -> object:
    # JSON has no date type: a date is an ISO 8601 string (or a datetime from YAML), never a number,
    # which pydantic would otherwise read as seconds since 1970.
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return value
    raise PydanticCustomError("datetime_iso", "ISO 8601 date-time expected")


class Context(TypedDict):
    """What validation checks against: the ids and the call-ID format of the loaded data."""

    ids: dict[str, tuple[str, ...]]
    call_id: CallIdFormat


def known_id(kind: str) -> Callable[[str, ValidationInfo], str]:
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


# Dates outside these years are typing mistakes; they would also break date arithmetic near years 1 and 9999.
MOMENT_YEARS = (2000, 2199)


def _plausible(value: datetime) -> datetime:
    if not MOMENT_YEARS[0] <= value.year <= MOMENT_YEARS[1]:
        years = {"min_year": MOMENT_YEARS[0], "max_year": MOMENT_YEARS[1]}
        raise PydanticCustomError("moment_out_of_range", "year out of range", years)
    return value


Moment = Annotated[AwareDatetime, BeforeValidator(_iso_only), AfterValidator(_plausible)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
# Marked fields get the ids of the loaded data as an enum in the OpenAPI document (see openapi.py).
StepId = Annotated[str, Field(max_length=60, json_schema_extra={"x-kb-ids": "step"}), AfterValidator(known_id("step"))]
OptionalStepId = Annotated[
    str,
    Field(max_length=60, json_schema_extra={"x-kb-ids": "optional_step"}),
    AfterValidator(known_id("optional_step")),
]
IssueTypeId = Annotated[
    str, Field(max_length=60, json_schema_extra={"x-kb-ids": "issue_type"}), AfterValidator(known_id("issue_type"))
]
TeamId = Annotated[str, Field(max_length=60, json_schema_extra={"x-kb-ids": "team"}), AfterValidator(known_id("team"))]
CallIdText = Annotated[
    str, Field(min_length=1, max_length=100, examples=["2025 0312 1430 1548 7296"]), AfterValidator(_call_id)
]


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TicketIn(Payload):
    """A ticket as staff create or replace it; its public updates are added separately."""

    issue_type: IssueTypeId
    step: StepId
    team: TeamId | None = Field(None, description="Default: the team that handles the step in data/process.yml")
    opened_at: Moment
    resolved_at: Moment | None = Field(None, description="Only at the last step")
    prioritised: StrictBool = Field(False, description="A disruption affecting several users")
    call_ids: list[CallIdText] = Field(min_length=1, max_length=50)
    skipped_steps: list[OptionalStepId] = Field(
        default_factory=list, description="Optional steps this ticket passed over"
    )


class UpdateIn(Payload):
    """A public update, optionally moving the ticket to another step or team, or marking it resolved."""

    text: Text | None = None
    at: Moment | None = Field(None, description="Default: now")
    step: StepId | None = None
    team: TeamId | None = Field(None, description="Default: unchanged, or the new step's team when the step changes")
    resolved: StrictBool = Field(False, description="The ticket is resolved; it must then be at the last step")


class ImportedUpdate(Payload):
    at: Moment
    text: Text | None = None
    step: StepId | None = None
    team: TeamId | None = None


class ImportedTicket(TicketIn):
    reference: str
    updates: list[ImportedUpdate] = Field(default_factory=list)


class Update(BaseModel):
    model_config = ConfigDict(frozen=True)

    at: datetime
    text: str | None = None
    step: str | None = None
    team: str | None = None


class Ticket(BaseModel):
    """A ticket as stored: ids from data/*.yml, normalised call IDs, dates in UTC."""

    model_config = ConfigDict(frozen=True)

    reference: str
    issue_type: str
    step: str
    team: str
    opened_at: datetime
    resolved_at: datetime | None = None
    prioritised: bool = False
    call_ids: tuple[str, ...]
    skipped_steps: tuple[str, ...] = ()
    updates: tuple[Update, ...] = Field((), description="Oldest first")
    incident: str | None = Field(None, description="The incident it is linked to; linked through the incident's API")


def kb_ids(kb: KnowledgeBase) -> dict[str, tuple[str, ...]]:
    """The ids a ticket may name, by kind, in the order of the data files."""
    steps = kb.process.steps
    return {
        "step": tuple(s.id for s in steps),
        "optional_step": tuple(s.id for s in steps if s.optional),
        "issue_type": tuple(t.id for t in kb.issue_types.issue_types),
        "team": tuple(t.id for t in kb.escalation.teams),
        "incident_state": tuple(s.id for s in kb.incidents.states),
        "service": tuple(s.id for s in kb.incidents.services),
    }


_CONTEXTS: dict[int, tuple[KnowledgeBase, Context]] = {}


def _context(kb: KnowledgeBase) -> Context:
    # The knowledge base is immutable: its ids are gathered once, not on every request.
    known = _CONTEXTS.get(id(kb))
    if known is None or known[0] is not kb:
        known = _CONTEXTS[id(kb)] = (kb, Context(ids=kb_ids(kb), call_id=kb.site.call_id))
    return known[1]


def validate(model: type[_M], data: object, kb: KnowledgeBase, prefix: Loc = ()) -> _M:
    """The payload as `model`, or every problem at once: types, unknown ids and call IDs alike."""
    context = _context(kb)
    try:
        return model.model_validate(data, context=context)
    except ValidationError as error:
        problems = [_reworded(e, prefix, kb, context) for e in error.errors(include_url=False)]
        raise PayloadError(problems) from None


def _reworded(error: ErrorDetails, prefix: Loc, kb: KnowledgeBase, context: Context) -> Problem:
    kind, loc, value = error["type"], (*prefix, *error["loc"]), error.get("input")
    if kind == "unknown_id":
        id_kind = error.get("ctx", {})["kind"]
        allowed = context["ids"][id_kind]
        return Problem(loc, "unknown_id", messages.unknown_id(str(value), id_kind, allowed), allowed)
    if kind == "invalid_call_id":
        fmt = kb.site.call_id
        message = messages.INVALID_CALL_ID_FIELD.format(
            value=value, min_digits=fmt.min_digits, max_digits=fmt.max_digits
        )
        return Problem(loc, "invalid_call_id", message)
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


class _Checks:
    """Collects every problem of a payload, so that staff fix them all in one go."""

    def __init__(self, prefix: Loc) -> None:
        self.prefix = prefix
        self.problems: list[Problem] = []

    def add(self, loc: Loc, message: str, code: Code = "invalid_body") -> None:
        self.problems.append(Problem((*self.prefix, *loc), code, message))

    def raise_any(self) -> None:
        if self.problems:
            raise PayloadError(self.problems)


def ticket_from_payload(reference: str, payload: TicketIn, kb: KnowledgeBase, prefix: Loc = ()) -> Ticket:
    """The ticket, once the rules between fields hold; `payload` comes from `validate`, ids checked."""
    checks = _Checks(prefix)
    if (problem := check_reference(reference)) is not None:
        checks.add(("reference",) if prefix else (), problem.message, problem.code)
    for index, call_id in enumerate(payload.call_ids):
        if call_id in payload.call_ids[:index]:
            checks.add(("call_ids", index), messages.DUPLICATE_CALL_ID.format(call_id=call_id))
    for index, step in enumerate(payload.skipped_steps):
        if step == payload.step:
            checks.add(("skipped_steps", index), messages.SKIPPED_CURRENT_STEP.format(step=step))
    last = kb.process.steps[-1].id
    if payload.resolved_at is not None:
        if payload.step != last:
            checks.add(("resolved_at",), messages.RESOLVED_BEFORE_FINAL_STEP.format(step=last))
        if payload.resolved_at < payload.opened_at:
            checks.add(("resolved_at",), messages.RESOLVED_BEFORE_OPENING)
    checks.raise_any()
    return Ticket(
        reference=reference,
        issue_type=payload.issue_type,
        step=payload.step,
        team=payload.team or kb.step(payload.step).team,
        opened_at=payload.opened_at.astimezone(UTC),
        resolved_at=payload.resolved_at.astimezone(UTC) if payload.resolved_at else None,
        prioritised=payload.prioritised,
        call_ids=tuple(payload.call_ids),
        skipped_steps=tuple(dict.fromkeys(payload.skipped_steps)),
    )


def imported_updates(ticket: Ticket, updates: Sequence[ImportedUpdate], prefix: Loc) -> Ticket:
    """The ticket with the history an import file gives it."""
    checks = _Checks(prefix)
    for index, update in enumerate(updates):
        if update.text is None and update.step is None and update.team is None:
            checks.add(("updates", index), messages.EMPTY_UPDATE)
        if update.at < ticket.opened_at:
            checks.add(("updates", index, "at"), messages.UPDATE_BEFORE_OPENING)
    checks.raise_any()
    if not updates:
        return ticket
    history = [Update(at=u.at.astimezone(UTC), text=u.text, step=u.step, team=u.team) for u in updates]
    history.sort(key=lambda u: u.at)
    return ticket.model_copy(update={"updates": tuple(history)})


def apply_update(ticket: Ticket, update: UpdateIn, kb: KnowledgeBase, now: datetime) -> tuple[Ticket, Update]:
    """The ticket after a public update, and the update as recorded; the rules of moving between steps."""
    checks = _Checks(())
    steps = tuple(s.id for s in kb.process.steps)
    if update.text is None and update.step is None and update.team is None and not update.resolved:
        checks.add((), messages.EMPTY_UPDATE)
    at = (update.at or now).astimezone(UTC)
    if at < ticket.opened_at:
        checks.add(("at",), messages.UPDATE_BEFORE_OPENING)
    step = update.step or ticket.step
    resolved_at = ticket.resolved_at if step == steps[-1] else None
    if update.resolved:
        if step != steps[-1]:
            checks.add(("resolved",), messages.RESOLVED_BEFORE_FINAL_STEP.format(step=steps[-1]))
        resolved_at = at
    checks.raise_any()
    moved_step = step if step != ticket.step else None
    # Like a new ticket, a ticket moved to a step goes to that step's team unless another is named.
    team = update.team or (kb.step(step).team if moved_step else ticket.team)
    moved_team = team if team != ticket.team else None
    record = Update(at=at, text=update.text, step=moved_step, team=moved_team)
    changed = ticket.model_copy(
        update={
            "step": step,
            "team": team,
            "resolved_at": resolved_at,
            "skipped_steps": _skipped_after_move(ticket, step, kb),
            "updates": (*ticket.updates, record),
        }
    )
    return changed, record


def _skipped_after_move(ticket: Ticket, step: str, kb: KnowledgeBase) -> tuple[str, ...]:
    steps = [s.id for s in kb.process.steps]
    if ticket.step not in steps or step == ticket.step:
        return ticket.skipped_steps
    old, new = steps.index(ticket.step), steps.index(step)
    if new > old:
        # Moving forward over an optional step without stopping at it is what "skipped" means.
        passed = [s.id for s in kb.process.steps[old + 1 : new] if s.optional]
        return tuple(s for s in dict.fromkeys((*ticket.skipped_steps, *passed)) if s != step)
    # Moving back reopens the steps ahead: none of them is skipped any more.
    return tuple(s for s in ticket.skipped_steps if s in steps and steps.index(s) < new)


def fingerprint(update: UpdateIn) -> str:
    """What makes two requests with the same Idempotency-Key the same request."""
    return hashlib.sha256(update.model_dump_json().encode()).hexdigest()
