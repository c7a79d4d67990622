"""The status page in Statuspage's shape (GET /api/v2/summary.json): what dashboards and Statuspage clients read.

The words are Statuspage's own (operational, partial_outage, investigating, …), mapped from data/incidents.yml
(service_states[].statuspage, states[].statuspage); names and texts are the data's, in the client's language
(Accept-Language), and support's. A pure function of the incidents, the data and the time, like the other views.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kb_build.model import KnowledgeBase
from kb_build.model.incidents import StatuspageIncidentStatus, StatuspageStatus
from kb_build.paths import service_of
from kb_build.typography import colon
from status_api.domain.maintenances import phase
from status_api.domain.records import Incident, Maintenance
from status_api.views.incidents import service_health
from status_api.views.maintenances import upcoming

# Statuspage's page indicator and incident impact for each component status.
_INDICATOR = {
    "operational": "none",
    "under_maintenance": "maintenance",
    "degraded_performance": "minor",
    "partial_outage": "major",
    "major_outage": "critical",
}


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class PageView(_View):
    id: str = Field(description="The feed's id (incidents.yml feed_id): stable while the brand keeps it")
    name: str
    url: str = Field(description="The « État du service » page")
    time_zone: str
    updated_at: datetime = Field(description="The latest update of an incident shown, or now when there is none")


class StatusView(_View):
    indicator: str = Field(description="none, minor, major or critical: the worst service's state")
    description: str


class ComponentView(_View):
    id: str
    name: str
    status: StatuspageStatus
    position: int
    description: None = None
    group: bool = False
    group_id: None = None
    only_show_if_degraded: bool = False
    showcase: bool = True
    page_id: str


class IncidentUpdateSummary(_View):
    id: str
    status: StatuspageIncidentStatus
    body: str
    incident_id: str
    created_at: datetime
    updated_at: datetime
    display_at: datetime


class IncidentSummary(_View):
    id: str
    name: str
    status: StatuspageIncidentStatus
    impact: str = Field(description="minor, major or critical, from the incident's impact")
    created_at: datetime
    updated_at: datetime
    started_at: datetime
    resolved_at: datetime | None
    shortlink: str
    page_id: str
    incident_updates: list[IncidentUpdateSummary] = Field(description="Newest first")
    components: list[ComponentView]


# Statuspage's words for a scheduled maintenance's status (it has no "cancelled": a cancelled one is completed).
MaintenanceStatus = Literal["scheduled", "in_progress", "completed"]


class MaintenanceUpdateSummary(_View):
    id: str
    status: MaintenanceStatus = Field(description="The phase when it was posted")
    body: str
    incident_id: str
    created_at: datetime
    updated_at: datetime
    display_at: datetime


class MaintenanceSummary(_View):
    """A planned maintenance as Statuspage writes one: its phase decided by the clock."""

    id: str
    name: str
    status: MaintenanceStatus = Field(description="Decided by the clock; a cancelled one is completed")
    impact: Literal["maintenance"]
    created_at: datetime
    updated_at: datetime
    started_at: datetime
    resolved_at: datetime | None
    scheduled_for: datetime
    scheduled_until: datetime
    shortlink: str
    page_id: str
    incident_updates: list[MaintenanceUpdateSummary] = Field(description="Newest first")
    components: list[ComponentView]


class Summary(_View):
    """Statuspage's /api/v2/summary.json: the page, its overall status, each service and the ongoing incidents."""

    page: PageView
    status: StatusView
    components: list[ComponentView]
    incidents: list[IncidentSummary] = Field(description="The ongoing incidents, newest first")
    scheduled_maintenances: list[MaintenanceSummary] = Field(
        description="Planned maintenance ahead or in progress, soonest first"
    )


def summary(
    incidents: Sequence[Incident],
    kb: KnowledgeBase,
    now: datetime,
    public_url: str,
    maintenances: Sequence[Maintenance] = (),
) -> Summary:
    """`public_url` starts the page's and incidents' links (STATUS_API_PUBLIC_URL; empty: from the site root)."""
    page_id = kb.incidents.feed_id
    data = kb.incidents
    by_impact = {state.id: state for state in data.service_states}
    health = service_health(incidents, kb, now, maintenances)
    components = [
        ComponentView(
            id=service.id,
            name=service.name,
            status=by_impact[service.state.id].statuspage if service.state.id in by_impact else "major_outage",
            position=position,
            page_id=page_id,
        )
        for position, service in enumerate(health, start=1)
    ]
    by_id = {component.id: component for component in components}
    worst = max(health, key=lambda service: service.state.severity).state
    ongoing = sorted((i for i in incidents if i.ongoing), key=lambda i: i.started_at, reverse=True)
    shown = [_incident(incident, kb, by_id, page_id, public_url) for incident in ongoing]
    planned = [_maintenance(m, kb, now, by_id, page_id, public_url) for m in upcoming(maintenances, now)]
    latest = [incident.updated_at for incident in shown] + [m.updated_at for m in planned]
    return Summary(
        page=PageView(
            id=page_id,
            name=f"{kb.site.brand}{colon(kb.language)} {data.title}" if kb.site.brand else data.title,
            url=public_url + service_of(kb).status_page,
            time_zone=kb.site.timezone,
            updated_at=max(latest, default=now.astimezone(UTC)),
        ),
        status=StatusView(
            indicator=_INDICATOR[by_impact[worst.id].statuspage] if worst.id in by_impact else "critical",
            description=data.texts.all_clear if worst.severity == 0 else worst.title,
        ),
        components=components,
        incidents=shown,
        scheduled_maintenances=planned,
    )


def _incident(
    incident: Incident, kb: KnowledgeBase, components: dict[str, ComponentView], page_id: str, public_url: str
) -> IncidentSummary:
    states = kb.incidents.states
    status = {state.id: _status(index, state.final, state.statuspage) for index, state in enumerate(states)}
    wanted = incident.impact or kb.incidents.default_impact
    impact = next((s for s in kb.incidents.service_states if s.id == wanted), None)
    # Each update has the state the incident was in once it was posted: the latest state moved to so far.
    in_effect, shown = incident.updates[0].state if incident.updates else incident.state, []
    for number, update in enumerate(incident.updates):
        in_effect = update.state or in_effect or incident.state
        at = update.at.astimezone(UTC)
        moved = kb.incidents.texts.update_state.replace("{state}", _title(kb, in_effect))
        shown.append(
            IncidentUpdateSummary(
                id=f"{incident.reference}-{update.id if update.id is not None else number}",
                status=status.get(in_effect, "identified"),
                body=update.text or moved,
                incident_id=incident.reference,
                created_at=at,
                updated_at=at,
                display_at=at,
            )
        )
    shown.sort(key=lambda u: u.created_at, reverse=True)
    started = incident.started_at.astimezone(UTC)
    return IncidentSummary(
        id=incident.reference,
        name=incident.title,
        status=status.get(incident.state, "identified"),
        impact=_INDICATOR[impact.statuspage] if impact is not None else "critical",
        created_at=started,
        updated_at=shown[0].created_at if shown else started,
        started_at=started,
        resolved_at=incident.ended_at.astimezone(UTC) if incident.ended_at else None,
        shortlink=public_url + service_of(kb).incident_anchor(incident.reference),
        page_id=page_id,
        incident_updates=shown,
        components=[components[s] for s in incident.services if s in components],
    )


_MAINTENANCE_STATUS: dict[str, MaintenanceStatus] = {
    "scheduled": "scheduled",
    "in_progress": "in_progress",
    "completed": "completed",
}


def _maintenance(
    maintenance: Maintenance,
    kb: KnowledgeBase,
    now: datetime,
    components: dict[str, ComponentView],
    page_id: str,
    public_url: str,
) -> MaintenanceSummary:
    texts = kb.incidents.maintenance.texts
    current = phase(maintenance, now)
    status = _MAINTENANCE_STATUS.get(current, "completed")
    updates = []
    for number, update in enumerate(maintenance.updates):
        at = update.at.astimezone(UTC)
        # The phase it was in when the update was posted: announced ahead, or posted during the window.
        posted: MaintenanceStatus = "scheduled" if at < maintenance.starts_at else "in_progress"
        body = update.text or (texts.cancelled if update.cancelled else maintenance.message)
        updates.append(
            MaintenanceUpdateSummary(
                id=f"{maintenance.reference}-{update.id if update.id is not None else number}",
                status="completed" if update.cancelled else posted,
                body=body,
                incident_id=maintenance.reference,
                created_at=at,
                updated_at=at,
                display_at=at,
            )
        )
    updates.sort(key=lambda u: u.created_at, reverse=True)
    created = maintenance.updates[0].at.astimezone(UTC) if maintenance.updates else maintenance.starts_at
    return MaintenanceSummary(
        id=maintenance.reference,
        name=maintenance.title,
        status=status,
        impact="maintenance",
        created_at=created,
        updated_at=updates[0].created_at if updates else created,
        started_at=maintenance.starts_at.astimezone(UTC),
        resolved_at=None,
        scheduled_for=maintenance.starts_at.astimezone(UTC),
        scheduled_until=maintenance.ends_at.astimezone(UTC),
        shortlink=public_url + service_of(kb).maintenance_anchor(maintenance.reference),
        page_id=page_id,
        incident_updates=updates,
        components=[components[s] for s in maintenance.services if s in components],
    )


def _status(index: int, final: bool, named: StatuspageIncidentStatus | None) -> StatuspageIncidentStatus:
    if named is not None:
        return named
    if final:
        return "resolved"
    return "investigating" if index == 0 else "identified"


def _title(kb: KnowledgeBase, state_id: str) -> str:
    return next((s.title for s in kb.incidents.states if s.id == state_id), state_id)
