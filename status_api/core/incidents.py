"""Incidents: create or replace, add a public update (moving the state), link tickets, read the recent ones."""

from __future__ import annotations

from datetime import datetime, timedelta

from status_api.core import Core, subscriptions, writes
from status_api.domain.errors import NotFound, not_linked
from status_api.domain.incidents import apply_incident_update, incident_from_payload
from status_api.domain.payloads import IncidentIn, IncidentUpdateIn
from status_api.domain.records import Appended, Incident, IncidentUpdate, Written
from status_api.domain.store import Notify


def _notice(core: Core) -> Notify[Incident]:
    # Subscribers are told in the write's own transaction: a committed update is never left untold.
    return lambda stored: subscriptions.incident_notice(core.kb, stored, core)


def put(core: Core, reference: str, data: object, *, if_absent: bool = False) -> Written[Incident]:
    payload = core.validate(IncidentIn, data)

    def build(current: Incident | None) -> Incident:
        return incident_from_payload(reference, payload, current, core.kb)

    # A new incident's opening is its first public update: subscribers hear of it too.
    return writes.put(core, Incident, reference, build, if_absent=if_absent, notify=_notice(core))


def add_update(core: Core, reference: str, data: object, *, key: str | None = None) -> Appended[Incident]:
    update = core.validate(IncidentUpdateIn, data)
    now = core.clock()

    def change(incident: Incident) -> tuple[Incident, IncidentUpdate]:
        return apply_incident_update(incident, update, core.kb, now)

    return writes.append_update(core, Incident, reference, update, change, key, notify=_notice(core))


def delete(core: Core, reference: str) -> None:
    writes.delete(core, Incident, reference)


def link(core: Core, reference: str, ticket: str) -> Incident:
    """Link a ticket (from any other incident): it is then prioritised. The incident as it is now."""
    core.store.link(writes.checked(ticket), writes.checked(reference))
    return _get(core, reference)


def unlink(core: Core, reference: str, ticket: str) -> None:
    if not core.store.unlink(writes.checked(ticket), writes.checked(reference)):
        raise not_linked(ticket, reference)


def history_start(core: Core, now: datetime) -> datetime:
    return now - timedelta(days=core.kb.incidents.history_days)


def recent(core: Core, now: datetime) -> list[Incident]:
    """The ongoing incidents, and those ended within the history window of data/incidents.yml."""
    return core.store.incidents(history_start(core, now))


def _get(core: Core, reference: str) -> Incident:
    incident = core.store.get(Incident, reference)
    if incident is None:  # deleted meanwhile
        raise NotFound("incident", reference)
    return incident


def ongoing(core: Core) -> list[Incident]:
    """The ongoing incidents only: ended ones are not read at all (the banner asks for these on every page)."""
    return [incident for incident in core.store.incidents(core.clock()) if incident.ongoing]
