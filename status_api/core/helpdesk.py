"""A helpdesk's change applied to its ticket: created when a call ID first shows, then moved, in order, once.

The webhooks (http/routes/hooks.py) map a delivery to a HelpdeskChange and call apply(); the writes are the
tickets' own use cases, so that a ticket from the helpdesk obeys the same rules as one typed by staff.
"""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Literal

from status_api.core import Core, tickets, writes
from status_api.domain import callid
from status_api.domain.errors import AlreadyExists, NotFound
from status_api.domain.helpdesk import HelpdeskChange
from status_api.domain.payloads import UpdateIn
from status_api.domain.records import Ticket, Update
from status_api.domain.tickets import apply_update

logger = logging.getLogger("status_api.helpdesk")

Outcome = Literal["created", "updated", "replayed", "stale", "unchanged", "unknown_ticket"]
# The idempotency keys of deliveries, apart from those staff send (Idempotency-Key).
KEY_PREFIX = "helpdesk:"


class _NothingToDo(Exception):
    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome


def apply(core: Core, reference: str, change: HelpdeskChange) -> Outcome:
    """Apply `change` to ticket `reference`; what happened, for the helpdesk's log and ours."""
    reference = writes.checked(reference)
    # Most deliveries move a ticket that exists: tried first, in one write transaction that reads it once.
    try:
        return _append(core, reference, change, created=False)
    except NotFound:
        pass
    if not change.call_ids:
        # Not a ticket of ours (yet): it enters the checker when a call ID field gets a value.
        logger.info("helpdesk ticket %s ignored: no call ID yet", change.ticket)
        return "unknown_ticket"
    created = _create(core, reference, change)
    return _append(core, reference, change, created=created)


def _append(core: Core, reference: str, change: HelpdeskChange, *, created: bool) -> Outcome:
    try:
        appended = writes.append_update(
            core, Ticket, reference, change, lambda ticket: _moved(core, ticket, change), KEY_PREFIX + change.delivery
        )
    except _NothingToDo as nothing:
        return "created" if created else nothing.outcome
    if appended.replayed:
        return "replayed"
    return "created" if created else "updated"


def _create(core: Core, reference: str, change: HelpdeskChange) -> bool:
    kb = core.kb
    step = change.step or kb.process.steps[0].id
    call_ids = [parsed for raw in change.call_ids if (parsed := callid.parse(raw, kb.site.call_id)) is not None]
    data: dict[str, object] = {
        "issue_type": change.issue_type or kb.helpdesk.zendesk.issue_type.default,
        "step": step,
        "opened_at": (change.opened_at or change.at).astimezone(UTC).isoformat(),
        "call_ids": call_ids or list(change.call_ids),  # none valid: the use case says which is wrong
        "prioritised": bool(change.prioritised),
    }
    if change.team is not None:
        data["team"] = change.team
    if change.resolved and step == kb.process.steps[-1].id:
        data["resolved_at"] = change.at.astimezone(UTC).isoformat()
    try:
        tickets.put(core, reference, data, if_absent=True)
    except AlreadyExists:  # a delivery for the same ticket created it meanwhile
        return False
    logger.info("helpdesk ticket %s created as %s", change.ticket, reference)
    return True


def _moved(core: Core, ticket: Ticket, change: HelpdeskChange) -> tuple[Ticket, Update | None]:
    """Inside the store's transaction: the ticket after `change`, unless a later change was applied already."""
    if any(callid.parse(raw, core.kb.site.call_id) not in ticket.call_ids for raw in change.call_ids):
        # Call IDs come with the ticket's creation; one added later is for staff to link (not done here yet).
        logger.warning("helpdesk ticket %s has call IDs that %s does not: not added", change.ticket, ticket.reference)
    stale = ticket.helpdesk_at is not None and change.at < ticket.helpdesk_at
    comment = change.comment
    if comment is not None and any(update.text == comment for update in ticket.updates):
        comment = None  # a trigger sends the latest public comment with every change: shown once
    if stale:
        # The state it carries is older than the ticket's: only its public comment, history, still counts.
        if comment is None:
            logger.info("helpdesk delivery %s older than ticket %s: ignored", change.delivery, ticket.reference)
            raise _NothingToDo("stale")
        step = team = None
    else:
        step, team = change.step, change.team
    last = core.kb.process.steps[-1].id
    resolved = not stale and change.resolved and step == last and ticket.resolved_at is None
    fields = {"text": comment, "step": step, "team": team, "resolved": resolved}
    data = {name: value for name, value in fields.items() if value}
    changed, update = ticket, None
    if data:
        payload = core.validate(UpdateIn, {**data, "at": change.at.astimezone(UTC).isoformat()})
        changed, update = apply_update(ticket, payload, core.kb, core.clock())
        if update.text is None and update.step is None and update.team is None and not resolved:
            changed, update = changed.model_copy(update={"updates": ticket.updates}), None
    if not stale:
        state: dict[str, object] = {"helpdesk_at": max(change.at, ticket.helpdesk_at or change.at)}
        if change.issue_type is not None:
            state["issue_type"] = change.issue_type
        if change.prioritised is not None:
            state["prioritised"] = change.prioritised
        changed = changed.model_copy(update=state)
    if update is None and _same_state(changed, ticket):
        raise _NothingToDo("unchanged")
    return changed, update


def _same_state(a: Ticket, b: Ticket) -> bool:
    keys = ("step", "team", "issue_type", "prioritised", "resolved_at", "skipped_steps", "helpdesk_at")
    return all(getattr(a, key) == getattr(b, key) for key in keys)
