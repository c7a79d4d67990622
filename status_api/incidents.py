"""Incident records, and the rules of their lifecycle (states and allowed moves from data/incidents.yml)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from kb_build.model import KnowledgeBase
from status_api import messages
from status_api.errors import Loc, PayloadError, Problem
from status_api.tickets import Moment, Payload, Text, check_reference, known_id

# Marked fields get the ids of the loaded data as an enum in the OpenAPI document (see openapi.py).
StateId = Annotated[
    str,
    Field(max_length=60, json_schema_extra={"x-kb-ids": "incident_state"}),
    AfterValidator(known_id("incident_state")),
]
ServiceId = Annotated[
    str, Field(max_length=60, json_schema_extra={"x-kb-ids": "service"}), AfterValidator(known_id("service"))
]
Title = Annotated[str, Field(min_length=1, max_length=200)]


class IncidentIn(Payload):
    """An incident as staff create or replace it; its state then moves through updates."""

    title: Title
    services: list[ServiceId] = Field(min_length=1, max_length=50)
    state: StateId | None = Field(
        None, description="At creation only (default: the lifecycle's first state); afterwards, post an update"
    )
    started_at: Moment
    ended_at: Moment | None = Field(None, description="Only with a final state, which requires it")


class IncidentUpdateIn(Payload):
    """A public update, optionally moving the incident to another state (one the lifecycle allows)."""

    text: Text | None = None
    at: Moment | None = Field(None, description="Default: now")
    state: StateId | None = None


class ImportedIncidentUpdate(Payload):
    at: Moment
    text: Text | None = None
    state: StateId | None = None


class ImportedIncident(IncidentIn):
    reference: str
    updates: list[ImportedIncidentUpdate] = Field(default_factory=list)
    tickets: list[str] = Field(default_factory=list, description="References of the tickets linked to it")


class IncidentUpdate(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int | None = Field(None, description="Given by the store; never reused, so that feed entries keep their id")
    at: datetime
    text: str | None = None
    state: str | None = Field(None, description="The state the incident moved to with this update")


class Incident(BaseModel):
    """An incident as stored: ids from data/incidents.yml, dates in UTC."""

    model_config = ConfigDict(frozen=True)

    reference: str
    title: str
    services: tuple[str, ...]
    state: str
    started_at: datetime
    ended_at: datetime | None = None
    updates: tuple[IncidentUpdate, ...] = Field((), description="Oldest first; the first one opens the incident")
    tickets: tuple[str, ...] = Field((), description="References of the linked tickets (staff only)")

    @property
    def ongoing(self) -> bool:
        return self.ended_at is None


def allowed_moves(kb: KnowledgeBase, state: str) -> tuple[str, ...]:
    known = {s.id: s for s in kb.incidents.states}
    return known[state].next if state in known else ()


def _is_final(kb: KnowledgeBase, state: str) -> bool:
    return any(s.id == state and s.final for s in kb.incidents.states)


def _move_problem(kb: KnowledgeBase, current: str, target: str, loc: Loc) -> Problem | None:
    allowed = allowed_moves(kb, current)
    if target in allowed:
        return None
    message = messages.state_move(current, target, allowed)
    return Problem(loc, "invalid_state_move", message, allowed)


def incident_from_payload(reference: str, payload: IncidentIn, current: Incident | None, kb: KnowledgeBase) -> Incident:
    """The incident after a PUT: created at the given state, or replaced with its state, updates and tickets kept."""
    problems: list[Problem] = []
    if (problem := check_reference(reference)) is not None:
        problems.append(problem)
    if current is None:
        state = payload.state or kb.incidents.states[0].id
    else:
        state = current.state
        if payload.state is not None and payload.state != current.state:
            allowed = allowed_moves(kb, current.state)
            message = messages.STATE_BY_UPDATE.format(reference=reference, state=current.state)
            problems.append(Problem(("state",), "invalid_state_move", message, allowed))
    ended_at = payload.ended_at.astimezone(UTC) if payload.ended_at else None
    if _is_final(kb, state):
        if ended_at is None:
            ended_at = current.ended_at if current is not None else None
        if ended_at is None:
            problems.append(Problem(("ended_at",), "invalid_body", messages.ENDED_AT_REQUIRED.format(state=state)))
    elif ended_at is not None:
        problems.append(Problem(("ended_at",), "invalid_body", messages.ENDED_BEFORE_FINAL))
    if ended_at is not None and ended_at < payload.started_at:
        problems.append(Problem(("ended_at",), "invalid_body", messages.ENDED_BEFORE_START))
    if problems:
        raise PayloadError(problems)
    started_at = payload.started_at.astimezone(UTC)
    if current is None:
        # The first update opens the incident: the feed and the page then have an entry for it from the start.
        updates: tuple[IncidentUpdate, ...] = (IncidentUpdate(at=started_at, state=state),)
        tickets: tuple[str, ...] = ()
    else:
        updates, tickets = current.updates, current.tickets
    return Incident(
        reference=reference,
        title=payload.title.strip(),
        services=tuple(dict.fromkeys(payload.services)),
        state=state,
        started_at=started_at,
        ended_at=ended_at,
        updates=updates,
        tickets=tickets,
    )


def apply_incident_update(
    incident: Incident, update: IncidentUpdateIn, kb: KnowledgeBase, now: datetime
) -> tuple[Incident, IncidentUpdate]:
    """The incident after a public update, and the update as recorded; a state move must be one the YAML allows."""
    problems: list[Problem] = []
    if update.text is None and update.state is None:
        problems.append(Problem((), "invalid_body", messages.EMPTY_INCIDENT_UPDATE))
    at = (update.at or now).astimezone(UTC)
    if at < incident.started_at:
        problems.append(Problem(("at",), "invalid_body", messages.INCIDENT_UPDATE_BEFORE_START))
    moved = update.state if update.state is not None and update.state != incident.state else None
    if moved is not None and (problem := _move_problem(kb, incident.state, moved, ("state",))) is not None:
        problems.append(problem)
    if problems:
        raise PayloadError(problems)
    record = IncidentUpdate(at=at, text=update.text, state=moved)
    state = moved or incident.state
    ended_at = at if moved is not None and _is_final(kb, moved) else incident.ended_at
    changed = incident.model_copy(update={"state": state, "ended_at": ended_at, "updates": (*incident.updates, record)})
    return changed, record


def imported_incident(imported: ImportedIncident, kb: KnowledgeBase, prefix: Loc) -> Incident:
    """An incident from an import file: its updates replayed from the first state, each move checked."""
    problems: list[Problem] = []
    if (problem := check_reference(imported.reference)) is not None:
        problems.append(Problem((*prefix, "reference"), problem.code, problem.message))
    started_at = imported.started_at.astimezone(UTC)
    state = kb.incidents.states[0].id
    ended_at: datetime | None = None
    history = [IncidentUpdate(at=started_at, state=state)]
    for index, update in enumerate(sorted(imported.updates, key=lambda u: u.at)):
        at = (*prefix, "updates", index)
        if update.text is None and update.state is None:
            problems.append(Problem(at, "invalid_body", messages.EMPTY_INCIDENT_UPDATE))
        if update.at < started_at:
            problems.append(Problem((*at, "at"), "invalid_body", messages.INCIDENT_UPDATE_BEFORE_START))
        moved = update.state if update.state is not None and update.state != state else None
        if moved is not None:
            if (problem := _move_problem(kb, state, moved, (*at, "state"))) is not None:
                problems.append(problem)
            state = moved
            if _is_final(kb, moved):
                ended_at = update.at.astimezone(UTC)
        history.append(IncidentUpdate(at=update.at.astimezone(UTC), text=update.text, state=moved))
    if imported.ended_at is not None and not _is_final(kb, state):
        problems.append(Problem((*prefix, "ended_at"), "invalid_body", messages.ENDED_BEFORE_FINAL))
    if imported.state is not None and imported.state != state:
        message = messages.IMPORTED_STATE_MISMATCH.format(state=imported.state, reached=state)
        problems.append(Problem((*prefix, "state"), "invalid_body", message))
    if problems:
        raise PayloadError(problems)
    return Incident(
        reference=imported.reference,
        title=imported.title.strip(),
        services=tuple(dict.fromkeys(imported.services)),
        state=state,
        started_at=started_at,
        ended_at=imported.ended_at.astimezone(UTC) if imported.ended_at else ended_at,
        updates=tuple(history),
        tickets=tuple(dict.fromkeys(imported.tickets)),
    )


def ongoing_first(incidents: Sequence[Incident]) -> list[Incident]:
    """Ongoing incidents first, newest first within each group."""
    return sorted(incidents, key=lambda i: (not i.ongoing, -(i.ended_at or i.started_at).timestamp()))


def fingerprint(update: IncidentUpdateIn) -> str:
    """What makes two requests with the same Idempotency-Key the same request."""
    return hashlib.sha256(update.model_dump_json().encode()).hexdigest()
