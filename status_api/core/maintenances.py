"""Planned maintenance: announce or replace, add a public update (text, new window, cancellation), read."""

from __future__ import annotations

from datetime import datetime

from status_api.core import Core, subscriptions, writes
from status_api.core.incidents import history_start
from status_api.domain.maintenances import apply_maintenance_update, maintenance_from_payload
from status_api.domain.payloads import MaintenanceIn, MaintenanceUpdateIn
from status_api.domain.records import Appended, Maintenance, MaintenanceUpdate, Written
from status_api.domain.store import Notify


def _notice(core: Core) -> Notify[Maintenance]:
    return lambda stored: subscriptions.maintenance_notice(core.kb, stored, core)


def put(core: Core, reference: str, data: object, *, if_absent: bool = False) -> Written[Maintenance]:
    payload = core.validate(MaintenanceIn, data)
    now = core.clock()

    def build(current: Maintenance | None) -> Maintenance:
        return maintenance_from_payload(reference, payload, current, now)

    # Its announcement is its first public update: subscribers of its services hear of it.
    return writes.put(core, Maintenance, reference, build, if_absent=if_absent, notify=_notice(core))


def add_update(core: Core, reference: str, data: object, *, key: str | None = None) -> Appended[Maintenance]:
    update = core.validate(MaintenanceUpdateIn, data)
    now = core.clock()

    def change(maintenance: Maintenance) -> tuple[Maintenance, MaintenanceUpdate]:
        return apply_maintenance_update(maintenance, update, now)

    return writes.append_update(core, Maintenance, reference, update, change, key, notify=_notice(core))


def delete(core: Core, reference: str) -> None:
    writes.delete(core, Maintenance, reference)


def recent(core: Core, now: datetime) -> list[Maintenance]:
    """Those ahead, under way, and those that ended (or were cancelled) within the history window."""
    return core.store.maintenances(history_start(core, now))


def current(core: Core, now: datetime) -> list[Maintenance]:
    """Those not over yet: ended ones are not read at all (the banner asks on every page)."""
    return core.store.maintenances(now)
