"""What customers see of incidents (status page, JSON): a pure function of the incidents, the data and the time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from kb_build.model import KnowledgeBase
from kb_build.paths import service_of
from status_api.domain.records import Incident, Maintenance
from status_api.views.dates import dates_in
from status_api.views.maintenances import (
    MaintenanceView,
    banner_maintenances,
    maintenance_view,
    past,
    under_way,
    upcoming,
)
from status_api.views.tickets import (
    DateView,
    IncidentStateView,
    IncidentUpdateView,
    date_view,
    incident_state_view,
    incident_update_view,
)


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class ServiceView(_View):
    id: str
    name: str


class ServiceStateView(_View):
    """How a service is doing (data/incidents.yml service_states): always a title and a symbol, never a colour alone."""

    id: str
    title: str
    symbol: str
    severity: int = Field(description="0: working normally; higher is worse")


class IncidentView(_View):
    """One incident as the public sees it: no ticket, no name, only what support published."""

    reference: str
    title: str
    url: str = Field(description="The incident on the « État du service » page, from the service's root")
    services: list[ServiceView]
    state: IncidentStateView
    impact: ServiceStateView = Field(description="The state it puts its services in while it lasts")
    ongoing: bool
    started: DateView
    ended: DateView | None
    latest_update: IncidentUpdateView | None
    updates: list[IncidentUpdateView] = Field(description="Newest first")


class CurrentIncidents(_View):
    """The ongoing incidents and the maintenances near: what the help center's banner and customers' tools read."""

    incidents: list[IncidentView] = Field(description="Ongoing incidents, newest first; empty when all is well")
    maintenances: list[MaintenanceView] = Field(
        description="Planned maintenance in progress, or starting within incidents.yml maintenance.banner_lead_hours; "
        "soonest first"
    )
    status_page: str = Field(description="The « État du service » page, from the service's root")
    feed: str = Field(description="The Atom feed of incidents and their updates, from the service's root")


class DayView(_View):
    day: date = Field(description="In the site's time zone")
    text: str = Field(description="In the page's language: « mardi 24 novembre 2026 », Tuesday 24 November 2026")
    state: ServiceStateView = Field(description="The worst state an incident put the service in that day")


class ServiceHealthView(_View):
    id: str
    name: str
    state: ServiceStateView = Field(description="Now: the worst impact of its ongoing incidents")
    days: list[DayView] = Field(description="The days of the history window an incident touched it, oldest first")


class ServiceStatusView(_View):
    services: list[ServiceHealthView] = Field(description="Every service of data/incidents.yml, in its order")
    ongoing: list[IncidentView]
    history: list[IncidentView] = Field(description="Incidents ended within the history window, newest first")
    maintenances: list[MaintenanceView] = Field(description="Planned maintenance ahead or under way, soonest first")
    past_maintenances: list[MaintenanceView] = Field(description="Completed or cancelled within the history window")
    days: int


def incident_view(incident: Incident, kb: KnowledgeBase) -> IncidentView:
    names = {service.id: service.name for service in kb.incidents.services}
    # Newest first; at the same moment, the later-written update first.
    newest_first = sorted(reversed(incident.updates), key=lambda u: u.at, reverse=True)
    updates = [incident_update_view(u, kb) for u in newest_first]
    return IncidentView(
        reference=incident.reference,
        title=incident.title,
        url=service_of(kb).incident_anchor(incident.reference),
        # A service a writer has since removed from the YAML still shows, by its id.
        services=[ServiceView(id=s, name=names.get(s, s)) for s in incident.services],
        state=incident_state_view(incident.state, kb),
        impact=service_state_view(incident.impact or kb.incidents.default_impact, kb),
        ongoing=incident.ongoing,
        started=date_view(incident.started_at, kb),
        ended=date_view(incident.ended_at, kb) if incident.ended_at else None,
        latest_update=updates[0] if updates else None,
        updates=updates,
    )


def service_state_view(state_id: str, kb: KnowledgeBase) -> ServiceStateView:
    by_id = {state.id: state for state in kb.incidents.service_states}
    # An impact a writer has since removed from the YAML reads as the worst state: it was a disruption.
    found = by_id.get(state_id) or kb.incidents.service_states[-1]
    return ServiceStateView(id=found.id, title=found.title, symbol=found.symbol, severity=found.severity)


def service_health(
    incidents: Sequence[Incident], kb: KnowledgeBase, now: datetime, maintenances: Sequence[Maintenance] = ()
) -> list[ServiceHealthView]:
    """Each service's state now (the worst impact among its ongoing incidents and its maintenance under way, the
    first state without one) and the days of the history window an incident touched it, each with the worst
    impact of that day (maintenance is planned: it counts no day)."""
    zone = ZoneInfo(kb.site.timezone)
    today = now.astimezone(zone).date()
    first = today - timedelta(days=kb.incidents.history_days - 1)
    working = service_state_view(kb.incidents.service_states[0].id, kb)
    current: dict[str, ServiceStateView] = {}
    days: dict[str, dict[date, ServiceStateView]] = {}
    for incident in incidents:
        impact = service_state_view(incident.impact or kb.incidents.default_impact, kb)
        start = max(incident.started_at.astimezone(zone).date(), first)
        end = min((incident.ended_at or now).astimezone(zone).date(), today)
        for service in incident.services:
            if incident.ongoing and impact.severity > current.get(service, working).severity:
                current[service] = impact
            touched = days.setdefault(service, {})
            day = start
            while day <= end:
                if day not in touched or impact.severity > touched[day].severity:
                    touched[day] = impact
                day += timedelta(days=1)
    servicing = service_state_view(kb.incidents.maintenance.service_state, kb)
    for maintenance in under_way(maintenances, now):
        for service in maintenance.services:
            # An incident worse than the maintenance wins: customers must learn what they were not told.
            if servicing.severity > current.get(service, working).severity:
                current[service] = servicing
    return [
        ServiceHealthView(
            id=service.id,
            name=service.name,
            state=current.get(service.id, working),
            days=[
                DayView(
                    day=day,
                    text=dates_in(kb.language).date(datetime(day.year, day.month, day.day, 12, tzinfo=zone), zone),
                    state=state,
                )
                for day, state in sorted(days.get(service.id, {}).items())
            ],
        )
        for service in kb.incidents.services
    ]


def service_status(
    incidents: Sequence[Incident], kb: KnowledgeBase, now: datetime, maintenances: Sequence[Maintenance] = ()
) -> ServiceStatusView:
    since = now - timedelta(days=kb.incidents.history_days)
    ongoing = sorted((i for i in incidents if i.ongoing), key=lambda i: i.started_at, reverse=True)
    ended = [i for i in incidents if i.ended_at is not None and i.ended_at >= since]
    ended.sort(key=lambda i: i.ended_at or i.started_at, reverse=True)
    return ServiceStatusView(
        services=service_health(incidents, kb, now, maintenances),
        ongoing=[incident_view(i, kb) for i in ongoing],
        history=[incident_view(i, kb) for i in ended],
        maintenances=[maintenance_view(m, kb, now) for m in upcoming(maintenances, now)],
        past_maintenances=[maintenance_view(m, kb, now) for m in past(maintenances, now, since)],
        days=kb.incidents.history_days,
    )


def current_incidents(
    incidents: Sequence[Incident], kb: KnowledgeBase, now: datetime, maintenances: Sequence[Maintenance] = ()
) -> CurrentIncidents:
    ongoing = sorted((i for i in incidents if i.ongoing), key=lambda i: i.started_at, reverse=True)
    return CurrentIncidents(
        incidents=[incident_view(i, kb) for i in ongoing],
        maintenances=banner_maintenances(maintenances, kb, now),
        status_page=service_of(kb).status_page,
        feed=service_of(kb).feed,
    )
