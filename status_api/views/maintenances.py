"""What customers see of planned maintenance (status page, banner, JSON): a pure function of the maintenances,
the data and the time, which decides each one's phase."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from kb_build.model import KnowledgeBase
from kb_build.paths import service_of
from status_api.domain.maintenances import Phase, ended_at, in_banner, phase, soonest_first
from status_api.domain.records import Maintenance, MaintenanceUpdate
from status_api.views.dates import dates_in
from status_api.views.help import fill
from status_api.views.tickets import DateView, date_view


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class MaintenanceServiceView(_View):
    id: str
    name: str


class PhaseView(_View):
    id: Phase = Field(description="Decided by the clock: scheduled before the window, in_progress during it, …")
    title: str = Field(description="In French (incidents.yml maintenance.phases)")


class MaintenanceUpdateView(_View):
    at: DateView
    text: str | None
    window: str | None = Field(description="The new window, in French, when this update moved it")
    cancelled: bool


class MaintenanceView(_View):
    """One planned maintenance as the public sees it."""

    reference: str
    title: str
    message: str
    url: str = Field(description="The maintenance on the « État du service » page, from the service's root")
    services: list[MaintenanceServiceView]
    phase: PhaseView
    starts: DateView
    ends: DateView
    window: str = Field(description="In French, e.g. « Le mardi 24 novembre 2026, de 22 h 00 à 23 h 30 »")
    updates: list[MaintenanceUpdateView] = Field(description="Newest first; the last one announced it")


class MaintenancesView(_View):
    """GET /api/v1/maintenances: those ahead or under way, soonest first, then those recently over."""

    upcoming: list[MaintenanceView] = Field(description="Scheduled or in progress, soonest first")
    past: list[MaintenanceView] = Field(description="Completed or cancelled within the history window, latest first")
    status_page: str = Field(description="The « État du service » page, from the service's root")


def window_text(starts_at: datetime, ends_at: datetime, kb: KnowledgeBase) -> str:
    texts, zone, dates = kb.incidents.maintenance.texts, ZoneInfo(kb.site.timezone), dates_in(kb.language)
    if starts_at.astimezone(zone).date() == ends_at.astimezone(zone).date():
        day, start, end = dates.date(starts_at, zone), dates.time(starts_at, zone), dates.time(ends_at, zone)
        return fill(texts.window_same_day, day=day, start=start, end=end)
    return fill(texts.window, start=dates.datetime(starts_at, zone), end=dates.datetime(ends_at, zone))


def _update_view(update: MaintenanceUpdate, kb: KnowledgeBase) -> MaintenanceUpdateView:
    window = None
    if update.starts_at is not None and update.ends_at is not None:
        window = window_text(update.starts_at, update.ends_at, kb)
    return MaintenanceUpdateView(
        at=date_view(update.at, kb), text=update.text, window=window, cancelled=update.cancelled
    )


def maintenance_view(maintenance: Maintenance, kb: KnowledgeBase, now: datetime) -> MaintenanceView:
    names = {service.id: service.name for service in kb.incidents.services}
    current = phase(maintenance, now)
    newest_first = sorted(reversed(maintenance.updates), key=lambda u: u.at, reverse=True)
    return MaintenanceView(
        reference=maintenance.reference,
        title=maintenance.title,
        message=maintenance.message,
        url=service_of(kb).maintenance_anchor(maintenance.reference),
        # A service a writer has since removed from the YAML still shows, by its id.
        services=[MaintenanceServiceView(id=s, name=names.get(s, s)) for s in maintenance.services],
        phase=PhaseView(id=current, title=getattr(kb.incidents.maintenance.phases, current)),
        starts=date_view(maintenance.starts_at, kb),
        ends=date_view(maintenance.ends_at, kb),
        window=window_text(maintenance.starts_at, maintenance.ends_at, kb),
        updates=[_update_view(u, kb) for u in newest_first],
    )


def upcoming(maintenances: Sequence[Maintenance], now: datetime) -> list[Maintenance]:
    return [m for m in soonest_first(maintenances) if phase(m, now) in ("scheduled", "in_progress")]


def past(maintenances: Sequence[Maintenance], now: datetime, since: datetime) -> list[Maintenance]:
    over = [m for m in maintenances if phase(m, now) in ("completed", "cancelled") and ended_at(m) >= since]
    return sorted(over, key=ended_at, reverse=True)


def under_way(maintenances: Sequence[Maintenance], now: datetime) -> list[Maintenance]:
    return [m for m in maintenances if phase(m, now) == "in_progress"]


def banner_maintenances(maintenances: Sequence[Maintenance], kb: KnowledgeBase, now: datetime) -> list[MaintenanceView]:
    """In progress, or starting within incidents.yml maintenance.banner_lead_hours: what the banner shows."""
    return [maintenance_view(m, kb, now) for m in soonest_first(maintenances) if in_banner(m, now, kb)]


def maintenances_view(
    maintenances: Sequence[Maintenance], kb: KnowledgeBase, now: datetime, since: datetime
) -> MaintenancesView:
    return MaintenancesView(
        upcoming=[maintenance_view(m, kb, now) for m in upcoming(maintenances, now)],
        past=[maintenance_view(m, kb, now) for m in past(maintenances, now, since)],
        status_page=service_of(kb).status_page,
    )
