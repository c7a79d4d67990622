"""incidents.yml: the services, the incident lifecycle, and every text of the status page, banner and feed."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from kb_build.model.fields import DataFile, Fills, Id, Matching, Mistake, PlaceholderTexts, Record, Text, ToolsText

# A tag: URI's authority (a domain name or an e-mail address) and a date it owned it, as RFC 4151 says.
FEED_ID_PATTERN = r"^[a-z0-9.-]+(@[a-z0-9.-]+)?,\d{4}(-\d{2}){0,2}$"


class Service(Record):
    id: Id
    name: Text


# Statuspage's words for a component's status: what /api/v2/summary.json says of each service.
StatuspageStatus = Literal["operational", "under_maintenance", "degraded_performance", "partial_outage", "major_outage"]


class ServiceState(Record):
    """How a service is doing, from best (severity 0: working normally) to worst; an ongoing incident puts its
    services in the state of its impact, and the worst one wins."""

    id: Id
    title: Text
    severity: int = Field(ge=0, le=9, description="0 for a service working normally; higher is worse")
    symbol: str = Field(
        min_length=1, max_length=2, description="Shown beside the title, so that a state is never told by colour alone"
    )
    statuspage: StatuspageStatus = Field(description="Its name in Statuspage's summary (/api/v2/summary.json)")


# Statuspage's words for an incident's status.
StatuspageIncidentStatus = Literal["investigating", "identified", "monitoring", "resolved"]


class IncidentState(Record):
    id: Id
    title: Text
    description: Text
    next: tuple[Id, ...] = Field((), description="The states an incident may move to from this one")
    final: bool = Field(False, description="The incident is over: it gets its end date and moves no further")
    statuspage: StatuspageIncidentStatus | None = Field(
        None,
        description="Its name in Statuspage's summary; by default investigating for the first state, resolved for "
        "a final one, identified for the others",
    )


class IncidentTexts(PlaceholderTexts):
    """What the status page, the banner, the feed and a linked ticket's lookup say; {name} are filled in."""

    ongoing_title: Text
    all_clear: Text
    history_title: Annotated[Text, Fills("days")]
    no_history: Annotated[Text, Fills("days")]
    services: Text
    state: Text
    started: Annotated[Text, Fills("date")]
    ended: Annotated[Text, Fills("date")]
    latest_update: Text
    updates: Text
    update_state: Annotated[Text, Fills("state")]
    subscribe_title: Text
    feed_link: ToolsText
    json_link: ToolsText
    live_link: Text
    header_link: Text
    banner_label: Text
    banner_one: Annotated[Text, Fills("title", "state")]
    banner_many: Annotated[Text, Fills("count")]
    banner_link: Text
    feed_title: Annotated[Text, Fills("brand")]
    feed_subtitle: Text
    entry_title: Annotated[Text, Fills("title", "state")]
    ticket_title: Text
    ticket_text: Annotated[Text, Fills("title", "state")]
    ticket_link: Text
    impact: Text
    services_title: Text
    service_column: Text
    state_column: Text
    days_column: Annotated[Text, Fills("days")]
    no_days: Text
    days_touched: Annotated[Text, Fills("count", "days")]


class IncidentHelp(Record):
    """The help center's explanation of incidents, on the disruption issue type's page and the communication page."""

    title: Text
    intro: Text
    status_page: Text
    banner: Text
    maintenance: Text
    tools_title: Text
    tools_intro: ToolsText
    feed: ToolsText
    json_api: ToolsText
    api_docs_link: ToolsText
    api_docs: ToolsText
    tickets: Text
    states_title: Text
    services_title: Text


class MaintenancePhases(Record):
    """The word of each phase of a planned maintenance, which the clock decides (never stored)."""

    scheduled: Text = Field(description="Before its window")
    in_progress: Text = Field(description="During its window")
    completed: Text = Field(description="After its window")
    cancelled: Text = Field(description="Cancelled by staff")


class MaintenanceTexts(PlaceholderTexts):
    """What the status page, the banner and the feed say of planned maintenance; {name} are filled in."""

    upcoming_title: Text
    no_upcoming: Text
    past_title: Text
    phase: Text
    window: Annotated[Text, Fills("start", "end")]
    window_same_day: Annotated[Text, Fills("day", "start", "end")]
    rescheduled: Annotated[Text, Fills("window")]
    cancelled: Text
    banner_label: Text
    banner_scheduled: Annotated[Text, Fills("title", "window")]
    banner_in_progress: Annotated[Text, Fills("title", "end")]
    banner_many: Annotated[Text, Fills("count")]
    entry_title: Annotated[Text, Fills("title", "phase")]


class Maintenance(Record):
    """Planned maintenance: announced with a window and its services, its phase follows the clock."""

    service_state: Id = Field(description="The state (service_states) of its services during its window")
    banner_lead_hours: int = Field(
        ge=0, le=24 * 90, description="How many hours before its start a maintenance shows in the help center's banner"
    )
    phases: MaintenancePhases
    texts: MaintenanceTexts


class Incidents(DataFile):
    title: Text = Field(description="The « État du service » page's title")
    intro: Text
    issue_type: Id = Field(description="The issue type whose page explains incidents (issue_types.yml)")
    history_days: int = Field(ge=1, le=3650, description="How far back the status page and the feed go")
    feed_id: Annotated[str, Matching(FEED_ID_PATTERN, Mistake.FEED_ID)] = Field(
        description="The Atom feed's tag: URI authority and date (RFC 4151); never change it once published",
        examples=["ringover.com,2026"],
    )
    services: tuple[Service, ...] = Field(min_length=1)
    states: tuple[IncidentState, ...] = Field(min_length=1, description="The first one is where an incident starts")
    service_states: tuple[ServiceState, ...] = Field(
        min_length=2, description="Best first: the first (severity 0) is a service working normally"
    )
    default_impact: Id = Field(description="The service state of an incident created without an impact")
    maintenance: Maintenance
    texts: IncidentTexts
    help: IncidentHelp
