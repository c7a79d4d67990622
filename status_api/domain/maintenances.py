"""The rules of planned maintenance: a window in the future when announced, a phase the clock decides."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal

from kb_build.model import KnowledgeBase
from status_api.domain import messages
from status_api.domain.errors import Loc, Problems
from status_api.domain.payloads import ImportedMaintenance, MaintenanceIn, MaintenanceUpdateIn, check_reference
from status_api.domain.records import Maintenance, MaintenanceUpdate

# Statuspage's words, which the summary uses as they are; the page's words are the data's (maintenance.phases).
Phase = Literal["scheduled", "in_progress", "completed", "cancelled"]


def phase(maintenance: Maintenance, now: datetime) -> Phase:
    """Where a maintenance stands at `now`: derived, never stored, so that it moves on by itself."""
    if maintenance.cancelled_at is not None:
        return "cancelled"
    if now < maintenance.starts_at:
        return "scheduled"
    if now < maintenance.ends_at:
        return "in_progress"
    return "completed"


def in_banner(maintenance: Maintenance, now: datetime, kb: KnowledgeBase) -> bool:
    """In progress, or starting within the banner's lead time (incidents.yml maintenance.banner_lead_hours)."""
    current = phase(maintenance, now)
    lead = timedelta(hours=kb.incidents.maintenance.banner_lead_hours)
    return current == "in_progress" or (current == "scheduled" and maintenance.starts_at - now <= lead)


def ended_at(maintenance: Maintenance) -> datetime:
    return maintenance.cancelled_at or maintenance.ends_at


def _window_problems(problems: Problems, starts_at: datetime, ends_at: datetime, now: datetime, stored: bool) -> None:
    """`stored`: one end of the window is the stored record's, so a bad window is a conflict with it (409)."""
    if ends_at <= starts_at:
        problems.add(("ends_at",), messages.MAINTENANCE_ENDS_BEFORE_START, "invalid_window", conflict=stored)
    elif ends_at <= now:
        problems.add(("ends_at",), messages.MAINTENANCE_IN_PAST, "window_in_past")


def maintenance_from_payload(
    reference: str, payload: MaintenanceIn, current: Maintenance | None, now: datetime
) -> Maintenance:
    """The maintenance after a PUT: announced (its first update), or replaced with its updates kept."""
    problems = Problems()
    if (problem := check_reference(reference)) is not None:
        problems.extend([problem])
    starts_at, ends_at = payload.starts_at.astimezone(UTC), payload.ends_at.astimezone(UTC)
    if current is None:
        _window_problems(problems, starts_at, ends_at, now, stored=False)
    elif ends_at <= starts_at:
        # Replacing a past maintenance (a typo in its title) is fine; an impossible window never is.
        problems.add(("ends_at",), messages.MAINTENANCE_ENDS_BEFORE_START, "invalid_window")
    problems.raise_any()
    if current is None:
        updates: tuple[MaintenanceUpdate, ...] = (MaintenanceUpdate(at=now.astimezone(UTC)),)
        cancelled_at = None
    else:
        updates, cancelled_at = current.updates, current.cancelled_at
    return Maintenance(
        reference=reference,
        title=payload.title.strip(),
        message=payload.message,
        services=tuple(dict.fromkeys(payload.services)),
        starts_at=starts_at,
        ends_at=ends_at,
        cancelled_at=cancelled_at,
        updates=updates,
    )


def apply_maintenance_update(
    maintenance: Maintenance, update: MaintenanceUpdateIn, now: datetime
) -> tuple[Maintenance, MaintenanceUpdate]:
    """The maintenance after a public update, and the update as recorded.

    A text is always welcome; a new window or a cancellation only while the maintenance is ahead or under way.
    Cancelled before its start, it is cancelled; during its window, it ends now (completed).
    """
    problems = Problems()
    at = now.astimezone(UTC)
    current = phase(maintenance, now)
    moves = update.starts_at is not None or update.ends_at is not None or update.cancelled
    if moves and current in ("completed", "cancelled"):
        message = messages.MAINTENANCE_CLOSED.format(
            reference=maintenance.reference, phase=messages.MAINTENANCE_PHASES[current]
        )
        problems.add((), message, "maintenance_closed", conflict=True)
        problems.raise_any()
    starts_at = update.starts_at.astimezone(UTC) if update.starts_at else None
    ends_at = update.ends_at.astimezone(UTC) if update.ends_at else None
    if starts_at is not None and starts_at != maintenance.starts_at and current == "in_progress":
        message = messages.MAINTENANCE_STARTED.format(reference=maintenance.reference)
        problems.add(("starts_at",), message, "maintenance_started", conflict=True)
    new_start, new_end = starts_at or maintenance.starts_at, ends_at or maintenance.ends_at
    if not update.cancelled and (starts_at is not None or ends_at is not None):
        stored = starts_at is None or ends_at is None
        _window_problems(problems, new_start, new_end, now, stored=stored)
    problems.raise_any()
    cancelled_at = maintenance.cancelled_at
    if update.cancelled:
        if current == "scheduled":
            cancelled_at, new_start, new_end = at, maintenance.starts_at, maintenance.ends_at
        else:  # under way: it ends now
            new_start, new_end = maintenance.starts_at, at
    # A new window is recorded whole, so that each update tells the window it announced.
    moved = not update.cancelled and (new_start, new_end) != (maintenance.starts_at, maintenance.ends_at)
    record = MaintenanceUpdate(
        at=at,
        text=update.text,
        starts_at=new_start if moved else None,
        ends_at=new_end if moved else None,
        cancelled=update.cancelled,
    )
    changed = maintenance.model_copy(
        update={
            "starts_at": new_start,
            "ends_at": new_end,
            "cancelled_at": cancelled_at,
            "updates": (*maintenance.updates, record),
        }
    )
    return changed, record


def imported_maintenance(imported: ImportedMaintenance, prefix: Loc, now: datetime) -> Maintenance:
    """A maintenance from an import file (the demo's): announced at its start, or cancelled, as it says."""
    problems = Problems(prefix)
    if (problem := check_reference(imported.reference)) is not None:
        problems.add(("reference",), problem.message, problem.code)
    starts_at, ends_at = imported.starts_at.astimezone(UTC), imported.ends_at.astimezone(UTC)
    if ends_at <= starts_at:
        problems.add(("ends_at",), messages.MAINTENANCE_ENDS_BEFORE_START, "invalid_window")
    problems.raise_any()
    announced = min(starts_at, now.astimezone(UTC))
    return Maintenance(
        reference=imported.reference,
        title=imported.title.strip(),
        message=imported.message,
        services=tuple(dict.fromkeys(imported.services)),
        starts_at=starts_at,
        ends_at=ends_at,
        cancelled_at=announced if imported.cancelled else None,
        updates=(MaintenanceUpdate(at=announced),),
    )


def soonest_first(maintenances: Sequence[Maintenance]) -> list[Maintenance]:
    return sorted(maintenances, key=lambda m: (m.starts_at, m.reference))
