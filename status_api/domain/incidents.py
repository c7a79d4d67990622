"""The rules of an incident's lifecycle: states and allowed moves from data/incidents.yml."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from kb_build.model import KnowledgeBase
from status_api.domain import messages
from status_api.domain.errors import Loc, Problem, Problems
from status_api.domain.payloads import ImportedIncident, IncidentIn, IncidentUpdateIn, check_reference
from status_api.domain.records import Incident, IncidentUpdate


def allowed_moves(kb: KnowledgeBase, state: str) -> tuple[str, ...]:
    known = {s.id: s for s in kb.incidents.states}
    return known[state].next if state in known else ()


def _is_final(kb: KnowledgeBase, state: str) -> bool:
    return any(s.id == state and s.final for s in kb.incidents.states)


def _move_problem(kb: KnowledgeBase, current: str, target: str, loc: Loc, *, conflict: bool) -> Problem | None:
    allowed = allowed_moves(kb, current)
    if target in allowed:
        return None
    message = messages.state_move(current, target, allowed)
    return Problem(loc, "invalid_state_move", message, allowed, conflict)


def incident_from_payload(reference: str, payload: IncidentIn, current: Incident | None, kb: KnowledgeBase) -> Incident:
    """The incident after a PUT: created at the given state, or replaced with its state, updates and tickets kept."""
    problems = Problems()
    if (problem := check_reference(reference)) is not None:
        problems.extend([problem])
    if current is None:
        state = payload.state or kb.incidents.states[0].id
    else:
        state = current.state
        if payload.state is not None and payload.state != current.state:
            allowed = allowed_moves(kb, current.state)
            message = messages.STATE_BY_UPDATE.format(reference=reference, state=current.state)
            problems.add(("state",), message, "invalid_state_move", allowed, conflict=True)
    if payload.ended_at is not None and payload.state is None:
        # An end is a final state's: said together, the same on creation and replacement.
        problems.add(("state",), messages.ENDED_AT_NEEDS_STATE)
    ended_at = payload.ended_at.astimezone(UTC) if payload.ended_at else None
    # Replacing an incident, its stored state decides what ended_at may be.
    replacing = current is not None
    if _is_final(kb, state):
        if ended_at is None:
            ended_at = current.ended_at if current is not None else None
        if ended_at is None:
            problems.add(("ended_at",), messages.ENDED_AT_REQUIRED.format(state=state), conflict=replacing)
    elif ended_at is not None:
        problems.add(("ended_at",), messages.ENDED_BEFORE_FINAL, conflict=replacing)
    if ended_at is not None and ended_at < payload.started_at:
        # The end may be the stored incident's: then its state, not this input, is in the way.
        problems.add(("ended_at",), messages.ENDED_BEFORE_START, conflict=payload.ended_at is None)
    problems.raise_any()
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
        # Said on creation, or kept from the incident replaced; otherwise the data's default.
        impact=payload.impact or (current.impact if current is not None else None) or kb.incidents.default_impact,
        updates=updates,
        tickets=tickets,
    )


def apply_incident_update(
    incident: Incident, update: IncidentUpdateIn, kb: KnowledgeBase, now: datetime
) -> tuple[Incident, IncidentUpdate]:
    """The incident after a public update, and the update as recorded; a state move must be one the YAML allows."""
    problems = Problems()
    at = (update.at or now).astimezone(UTC)
    if at < incident.started_at:
        problems.add(("at",), messages.INCIDENT_UPDATE_BEFORE_START, "before_start", conflict=True)
    moved = update.state if update.state is not None and update.state != incident.state else None
    problem = _move_problem(kb, incident.state, moved, ("state",), conflict=True) if moved is not None else None
    if problem is not None:
        problems.extend([problem])
    problems.raise_any()
    record = IncidentUpdate(at=at, text=update.text, state=moved)
    state = moved or incident.state
    ended_at = at if moved is not None and _is_final(kb, moved) else incident.ended_at
    changed = incident.model_copy(update={"state": state, "ended_at": ended_at, "updates": (*incident.updates, record)})
    return changed, record


def imported_incident(imported: ImportedIncident, kb: KnowledgeBase, prefix: Loc) -> Incident:
    """An incident from an import file: its updates replayed from the first state, each move checked."""
    problems = Problems(prefix)
    if (problem := check_reference(imported.reference)) is not None:
        problems.add(("reference",), problem.message, problem.code)
    started_at = imported.started_at.astimezone(UTC)
    state = kb.incidents.states[0].id
    ended_at: datetime | None = None
    history = [IncidentUpdate(at=started_at, state=state)]
    for index, update in enumerate(sorted(imported.updates, key=lambda u: u.at)):
        at: Loc = ("updates", index)
        if update.text is None and update.state is None:
            problems.add(at, messages.EMPTY_INCIDENT_UPDATE)
        if update.at < started_at:
            problems.add((*at, "at"), messages.INCIDENT_UPDATE_BEFORE_START, "before_start")
        moved = update.state if update.state is not None and update.state != state else None
        if moved is not None:
            if (problem := _move_problem(kb, state, moved, (*prefix, *at, "state"), conflict=False)) is not None:
                problems.extend([problem])
            state = moved
            if _is_final(kb, moved):
                ended_at = update.at.astimezone(UTC)
        history.append(IncidentUpdate(at=update.at.astimezone(UTC), text=update.text, state=moved))
    if imported.ended_at is not None and not _is_final(kb, state):
        problems.add(("ended_at",), messages.ENDED_BEFORE_FINAL)
    if imported.state is not None and imported.state != state:
        problems.add(("state",), messages.IMPORTED_STATE_MISMATCH.format(state=imported.state, reached=state))
    problems.raise_any()
    return Incident(
        reference=imported.reference,
        title=imported.title.strip(),
        services=tuple(dict.fromkeys(imported.services)),
        state=state,
        started_at=started_at,
        ended_at=imported.ended_at.astimezone(UTC) if imported.ended_at else ended_at,
        impact=imported.impact or kb.incidents.default_impact,
        updates=tuple(history),
        tickets=tuple(dict.fromkeys(imported.tickets)),
    )


def ongoing_first(incidents: Sequence[Incident]) -> list[Incident]:
    """Ongoing incidents first, newest first within each group."""
    return sorted(incidents, key=lambda i: (not i.ongoing, -(i.ended_at or i.started_at).timestamp()))
