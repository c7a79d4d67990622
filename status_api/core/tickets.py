"""Tickets: create or replace, add a public update (moving the step or team), delete, import many."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from status_api.core import Core, writes
from status_api.domain.payloads import TicketIn, UpdateIn
from status_api.domain.records import Appended, Incident, Maintenance, Ticket, Written
from status_api.domain.tickets import apply_update, ticket_from_payload


def put(core: Core, reference: str, data: object, *, if_absent: bool = False) -> Written[Ticket]:
    ticket = ticket_from_payload(writes.checked(reference), core.validate(TicketIn, data), core.kb)
    return writes.put(core, Ticket, reference, lambda current: ticket, if_absent=if_absent)


def add_update(core: Core, reference: str, data: object, *, key: str | None = None) -> Appended[Ticket]:
    update = core.validate(UpdateIn, data)
    now = core.clock()
    return writes.append_update(
        core, Ticket, reference, update, lambda ticket: apply_update(ticket, update, core.kb, now), key
    )


def delete(core: Core, reference: str) -> None:
    writes.delete(core, Ticket, reference)


def import_many(
    core: Core,
    tickets: Iterable[Ticket | object],
    incidents: Sequence[Incident] = (),
    maintenances: Sequence[Maintenance] = (),
) -> int:
    """Tickets already checked (by an importer), incidents and maintenances, written all or none."""
    return core.store.import_many(tickets, incidents, maintenances)
