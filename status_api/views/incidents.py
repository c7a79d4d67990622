"""What customers see of incidents (status page, JSON): a pure function of the incidents, the data and the time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from kb_build.model import KnowledgeBase
from kb_build.paths import SERVICE
from status_api.domain.records import Incident
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


class IncidentView(_View):
    """One incident as the public sees it: no ticket, no name, only what support published."""

    reference: str
    title: str
    url: str = Field(description="The incident on the « État du service » page, from the service's root")
    services: list[ServiceView]
    state: IncidentStateView
    ongoing: bool
    started: DateView
    ended: DateView | None
    latest_update: IncidentUpdateView | None
    updates: list[IncidentUpdateView] = Field(description="Newest first")


class CurrentIncidents(_View):
    """The ongoing incidents: what the help center's banner and customers' tools read."""

    incidents: list[IncidentView] = Field(description="Ongoing incidents, newest first; empty when all is well")
    status_page: str = Field(description="The « État du service » page, from the service's root")
    feed: str = Field(description="The Atom feed of incidents and their updates, from the service's root")


class ServiceStatusView(_View):
    ongoing: list[IncidentView]
    history: list[IncidentView] = Field(description="Incidents ended within the history window, newest first")
    days: int


def incident_view(incident: Incident, kb: KnowledgeBase) -> IncidentView:
    names = {service.id: service.name for service in kb.incidents.services}
    # Newest first; at the same moment, the later-written update first.
    newest_first = sorted(reversed(incident.updates), key=lambda u: u.at, reverse=True)
    updates = [incident_update_view(u, kb) for u in newest_first]
    return IncidentView(
        reference=incident.reference,
        title=incident.title,
        url=SERVICE.incident_anchor(incident.reference),
        # A service a writer has since removed from the YAML still shows, by its id.
        services=[ServiceView(id=s, name=names.get(s, s)) for s in incident.services],
        state=incident_state_view(incident.state, kb),
        ongoing=incident.ongoing,
        started=date_view(incident.started_at, kb),
        ended=date_view(incident.ended_at, kb) if incident.ended_at else None,
        latest_update=updates[0] if updates else None,
        updates=updates,
    )


def service_status(incidents: Sequence[Incident], kb: KnowledgeBase, now: datetime) -> ServiceStatusView:
    since = now - timedelta(days=kb.incidents.history_days)
    ongoing = sorted((i for i in incidents if i.ongoing), key=lambda i: i.started_at, reverse=True)
    ended = [i for i in incidents if i.ended_at is not None and i.ended_at >= since]
    ended.sort(key=lambda i: i.ended_at or i.started_at, reverse=True)
    return ServiceStatusView(
        ongoing=[incident_view(i, kb) for i in ongoing],
        history=[incident_view(i, kb) for i in ended],
        days=kb.incidents.history_days,
    )


def current_incidents(incidents: Sequence[Incident], kb: KnowledgeBase) -> CurrentIncidents:
    ongoing = sorted((i for i in incidents if i.ongoing), key=lambda i: i.started_at, reverse=True)
    return CurrentIncidents(
        incidents=[incident_view(i, kb) for i in ongoing], status_page=SERVICE.status_page, feed=SERVICE.feed
    )
