"""The rules of a ticket: how a payload becomes a ticket, and how a public update moves it between steps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from kb_build.model import KnowledgeBase
from status_api.domain import messages
from status_api.domain.errors import Loc, Problems
from status_api.domain.payloads import ImportedUpdate, TicketIn, UpdateIn, check_reference
from status_api.domain.records import Ticket, Update


def ticket_from_payload(reference: str, payload: TicketIn, kb: KnowledgeBase, prefix: Loc = ()) -> Ticket:
    """The ticket, once the rules between fields hold; `payload` comes from a Validator, ids checked."""
    problems = Problems(prefix)
    if (problem := check_reference(reference)) is not None:
        problems.add(("reference",) if prefix else (), problem.message, problem.code)
    for index, call_id in enumerate(payload.call_ids):
        if call_id in payload.call_ids[:index]:
            problems.add(("call_ids", index), messages.DUPLICATE_CALL_ID.format(call_id=call_id))
    for index, step in enumerate(payload.skipped_steps):
        if step == payload.step:
            problems.add(("skipped_steps", index), messages.SKIPPED_CURRENT_STEP.format(step=step))
    last = kb.process.steps[-1].id
    if payload.resolved_at is not None:
        if payload.step != last:
            problems.add(("resolved_at",), messages.RESOLVED_BEFORE_FINAL_STEP.format(step=last), "not_final_step")
        if payload.resolved_at < payload.opened_at:
            problems.add(("resolved_at",), messages.RESOLVED_BEFORE_OPENING, "before_start")
    problems.raise_any()
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
    problems = Problems(prefix)
    for index, update in enumerate(updates):
        if update.text is None and update.step is None and update.team is None:
            problems.add(("updates", index), messages.EMPTY_UPDATE)
        if update.at < ticket.opened_at:
            problems.add(("updates", index, "at"), messages.UPDATE_BEFORE_OPENING, "before_start")
    problems.raise_any()
    if not updates:
        return ticket
    history = [Update(at=u.at.astimezone(UTC), text=u.text, step=u.step, team=u.team) for u in updates]
    history.sort(key=lambda u: u.at)
    return ticket.model_copy(update={"updates": tuple(history)})


def apply_update(ticket: Ticket, update: UpdateIn, kb: KnowledgeBase, now: datetime) -> tuple[Ticket, Update]:
    """The ticket after a public update, and the update as recorded; the rules of moving between steps."""
    problems = Problems()
    steps = tuple(s.id for s in kb.process.steps)
    at = (update.at or now).astimezone(UTC)
    if at < ticket.opened_at:
        problems.add(("at",), messages.UPDATE_BEFORE_OPENING, "before_start", conflict=True)
    step = update.step or ticket.step
    resolved_at = ticket.resolved_at if step == steps[-1] else None
    if update.resolved:
        if step != steps[-1]:
            # With a step named, the update contradicts itself; without, the ticket's own step stands in the way.
            message = messages.RESOLVED_BEFORE_FINAL_STEP.format(step=steps[-1])
            problems.add(("resolved",), message, "not_final_step", conflict=update.step is None)
        resolved_at = at
    problems.raise_any()
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
