"""Planned maintenance: announce or replace, add a public update (text, new window, cancellation), read."""

from __future__ import annotations

from datetime import datetime

from status_api.core import Core, subscriptions, writes
from status_api.core.incidents import history_start
from status_api.domain.maintenances import apply_maintenance_update, maintenance_from_payload
from status_api.domain.payloads import MaintenanceIn, MaintenanceUpdateIn
from status_api.domain.records import Appended, Maintenance, Written


def put(core: Core, reference: str, data: object, *, if_absent: bool = False) -> Written[Maintenance]:
    payload = core.validate(MaintenanceIn, data)
    now = core.clock()
    return writes.put(
        core,
        Maintenance,
        reference,
        lambda current: maintenance_from_payload(reference, payload, current, now),
        if_absent=if_absent,
        # Its announcement is its first public update: subscribers of its services hear of it.
        notify=lambda stored: subscriptions.maintenance_notice(core.kb, stored, core),
    )


def add_update(core: Core, reference: str, data: object, *, key: str | None = None) -> Appended[Maintenance]:
    update = core.validate(MaintenanceUpdateIn, data)
    now = core.clock()
    return writes.append_update(
        core,
        Maintenance,
        reference,
        update,
        lambda maintenance: apply_maintenance_update(maintenance, update, now),
        key,
        notify=lambda stored: subscriptions.maintenance_notice(core.kb, stored, core),
    )


def delete(core: Core, reference: str) -> None:
    writes.delete(core, Maintenance, reference)


def recent(core: Core, now: datetime) -> list[Maintenance]:
    """Those ahead, under way, and those that ended (or were cancelled) within the history window."""
    return core.store.maintenances(history_start(core, now))


def current(core: Core, now: datetime) -> list[Maintenance]:
    """Those not over yet: ended ones are not read at all (the banner asks on every page)."""
    return core.store.maintenances(now)
