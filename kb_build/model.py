"""The typed, immutable model of the help center's source of truth (data/*.yml)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Literal, Protocol, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, WithJsonSchema, field_validator

# Ids are short, stable, URL-safe slugs: they name pages and are stored in tickets.
Id = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=1, max_length=60)]
Text = Annotated[str, Field(min_length=1)]

_DURATION = re.compile(r"^\s*(\d+)\s*(heures?|jours?|semaines?)\s*$")
_UNIT_HOURS = {"heure": 1, "jour": 24, "semaine": 24 * 7}
DURATION_PATTERN = r"^\s*\d+\s*(heures?|jours?|semaines?)\s*$"


def parse_duration(value: object) -> object:
    """Turn "3 jours" into a timedelta; leave anything else to the type check."""
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        return value
    match = _DURATION.match(value)
    if match is None:
        raise ValueError("duration")
    count, unit = int(match.group(1)), match.group(2).rstrip("s")
    return timedelta(hours=count * _UNIT_HOURS[unit])


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    WithJsonSchema({"type": "string", "pattern": DURATION_PATTERN, "examples": ["4 heures", "3 jours", "2 semaines"]}),
]


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


# --- site.yml -------------------------------------------------------------------


class Contact(Record):
    example: bool = Field(description="true while the values below are placeholders, not the real contact")
    label: Text
    email: Text
    phone: Text
    hours: Text
    url: Text | None = None


class CallIdFormat(Record):
    min_digits: int = Field(ge=1, le=64)
    max_digits: int = Field(ge=1, le=64)
    example: Annotated[str, Field(pattern=r"^[0-9]+$")]
    description: Text
    howto_article: Id


class HomeRoute(Record):
    title: Text
    text: Text
    page: Id
    icon: Text


class Home(Record):
    title: Text
    intro: Text
    routes: tuple[HomeRoute, ...] = Field(min_length=1)


class Labels(Record):
    """Short words the templates put around the data: headings, field names, link texts."""

    contact_title: Text
    contact_example: Text
    contact_email: Text
    contact_phone: Text
    contact_hours: Text
    contact_url: Text
    optional: Text
    promise_title: Text
    step_customer: Text
    step_team: Text
    follow_title: Text
    follow_text: Text
    prioritised: Text
    issue_examples: Text
    issue_timeline: Text
    issue_team: Text
    issue_escalation: Text
    issue_provide: Text
    no_escalation: Text
    see_timelines: Text
    example_title: Text
    cadence_title: Text
    cadence_timeline: Text
    cadence_every: Text
    timeline_label: Text
    timeline_issue_types: Text
    rule_teams: Text
    rule_alternatives: Text
    rule_applies_to: Text
    teams_title: Text
    call_id_tip: Text
    call_id_field: Text
    call_id_submit: Text
    privacy_title: Text
    pagination: Text
    all_issue_types: Text


class Site(Record):
    brand: Text
    site_name: Text
    description: Text
    language: Literal["fr"]
    timezone: Text
    contact: Contact
    call_id: CallIdFormat
    home: Home
    labels: Labels

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("timezone") from None
        return value


# --- process.yml ----------------------------------------------------------------


class Step(Record):
    id: Id
    title: Text
    summary: Text = Field(description="The step in one sentence, as the source article puts it")
    details: Text = Field(description="What happens at this step, for the customer")
    customer_action: Text = Field(description="What the customer may do meanwhile")
    team: Id
    optional: bool = False
    optional_label: Text | None = None


class Process(Record):
    title: Text
    intro: Text
    promise: Text
    steps: tuple[Step, ...] = Field(min_length=1)


# --- issue_types.yml --------------------------------------------------------------


class IssueType(Record):
    id: Id
    title: Text
    summary: Text = Field(description="The issue type as the source article lists it")
    description: Text
    examples: tuple[Text, ...] = ()
    timeline: Id
    handled_by: Id
    escalation: tuple[Id, ...] = ()
    provide: tuple[Text, ...] = Field(min_length=1)
    prioritised: bool = False


class IssueTypes(Record):
    title: Text
    intro: Text
    issue_types: tuple[IssueType, ...] = Field(min_length=1)


# --- timelines.yml ----------------------------------------------------------------


class Timeline(Record):
    id: Id
    title: Text
    wording: Text = Field(description="The delay as the source article words it")
    label: Text = Field(description="Short wording next to an issue type, e.g. 'quelques heures à quelques jours'")
    min: Duration
    max: Duration
    prioritised: bool = False


class TimelineExample(Record):
    issue_type: Id
    text: Text


class Timelines(Record):
    title: Text
    intro: Text
    timelines: tuple[Timeline, ...] = Field(min_length=1)
    examples: tuple[TimelineExample, ...] = ()


# --- communication.yml ------------------------------------------------------------


class Commitment(Record):
    id: Id
    title: Text
    text: Text


class Cadence(Record):
    timeline: Id
    every: Duration
    wording: Text


class Communication(Record):
    title: Text
    intro: Text
    commitments: tuple[Commitment, ...] = Field(min_length=1)
    cadence_intro: Text
    cadence: tuple[Cadence, ...] = Field(min_length=1)


# --- escalation.yml ---------------------------------------------------------------


class Team(Record):
    id: Id
    name: Text
    description: Text


class EscalationRule(Record):
    id: Id
    title: Text
    text: Text = Field(description="The rule as the source article words it")
    details: Text
    teams: tuple[Id, ...] = Field(min_length=1)
    alternatives: tuple[Text, ...] = ()


class Escalation(Record):
    title: Text
    intro: Text
    teams: tuple[Team, ...] = Field(min_length=1)
    rules: tuple[EscalationRule, ...] = Field(min_length=1)


# --- articles.yml -----------------------------------------------------------------


class Callout(Record):
    kind: Literal["tip", "info", "warning", "example"]
    title: Text
    text: Text


class Tab(Record):
    label: Text
    steps: tuple[Text, ...] = Field(min_length=1)
    note: Text | None = None


class Section(Record):
    title: Text
    text: Text | None = None
    tabs: tuple[Tab, ...] = ()
    callout: Callout | None = None


class Article(Record):
    id: Id
    title: Text
    summary: Text
    sections: tuple[Section, ...] = Field(min_length=1)


class Articles(Record):
    articles: tuple[Article, ...] = Field(min_length=1)


# --- tracking.yml -----------------------------------------------------------------


class TrackingTexts(Record):
    """What the status checker says around a ticket; {name} placeholders are filled in by the service."""

    ticket_title: Text
    resolved_title: Text
    resolved_text: Text
    prioritised_title: Text
    prioritised_text: Text
    issue_type: Text
    step: Text
    team: Text
    opened: Text
    progress: Text
    state_done: Text
    state_current: Text
    state_upcoming: Text
    state_skipped: Text
    window: Text
    window_text: Text
    window_resolved: Text
    window_passed: Text
    next_update: Text
    next_update_text: Text
    next_update_late: Text
    updates: Text
    update_step: Text
    update_team: Text
    no_updates: Text
    not_found_title: Text
    not_found: Text
    invalid_call_id: Text
    missing_call_id: Text
    unavailable: Text
    rate_limited: Text
    cross_site: Text

    @field_validator("*")
    @classmethod
    def _known_placeholders(cls, value: str, info: ValidationInfo) -> str:
        return _only_placeholders(value, PLACEHOLDERS.get(str(info.field_name), frozenset()))


_PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _only_placeholders(value: str, allowed: frozenset[str]) -> str:
    unknown = sorted(set(_PLACEHOLDER.findall(value)) - allowed)
    if unknown:
        raise ValueError(f"placeholder:{unknown[0]}:{','.join(sorted(allowed))}")
    return value


# The {names} each text of the status checker may use.
PLACEHOLDERS: dict[str, frozenset[str]] = {
    "ticket_title": frozenset({"reference"}),
    "resolved_text": frozenset({"date"}),
    "window_text": frozenset({"start", "end", "label"}),
    "window_resolved": frozenset({"start", "end", "label"}),
    "window_passed": frozenset({"start", "end", "label", "team"}),
    "next_update_text": frozenset({"date", "wording"}),
    "next_update_late": frozenset({"date", "wording"}),
    "update_step": frozenset({"step"}),
    "update_team": frozenset({"team"}),
    "invalid_call_id": frozenset({"description", "example"}),
    "missing_call_id": frozenset({"description", "example"}),
}


class Tracking(Record):
    title: Text
    intro: Text
    how_it_works: tuple[Text, ...] = Field(min_length=1)
    privacy: Text
    result: TrackingTexts


# --- incidents.yml ----------------------------------------------------------------


# A tag: URI's authority (a domain name or an e-mail address) and a date it owned it, as RFC 4151 says.
FEED_ID_PATTERN = r"^[a-z0-9.-]+(@[a-z0-9.-]+)?,\d{4}(-\d{2}){0,2}$"


class Service(Record):
    id: Id
    name: Text


class IncidentState(Record):
    id: Id
    title: Text
    description: Text
    next: tuple[Id, ...] = Field((), description="The states an incident may move to from this one")
    final: bool = Field(False, description="The incident is over: it gets its end date and moves no further")


class IncidentTexts(Record):
    """What the status page, the banner, the feed and a linked ticket's lookup say; {name} are filled in."""

    ongoing_title: Text
    all_clear: Text
    history_title: Text
    no_history: Text
    services: Text
    state: Text
    started: Text
    ended: Text
    latest_update: Text
    updates: Text
    update_state: Text
    subscribe_title: Text
    feed_link: Text
    json_link: Text
    live_link: Text
    header_link: Text
    banner_label: Text
    banner_one: Text
    banner_many: Text
    banner_link: Text
    feed_title: Text
    feed_subtitle: Text
    entry_title: Text
    ticket_title: Text
    ticket_text: Text
    ticket_link: Text

    @field_validator("*")
    @classmethod
    def _known_placeholders(cls, value: str, info: ValidationInfo) -> str:
        return _only_placeholders(value, INCIDENT_PLACEHOLDERS.get(str(info.field_name), frozenset()))


# The {names} each text about incidents may use.
INCIDENT_PLACEHOLDERS: dict[str, frozenset[str]] = {
    "history_title": frozenset({"days"}),
    "no_history": frozenset({"days"}),
    "started": frozenset({"date"}),
    "ended": frozenset({"date"}),
    "update_state": frozenset({"state"}),
    "banner_one": frozenset({"title", "state"}),
    "banner_many": frozenset({"count"}),
    "feed_title": frozenset({"brand"}),
    "entry_title": frozenset({"title", "state"}),
    "ticket_text": frozenset({"title", "state"}),
}


class IncidentHelp(Record):
    """The help center's explanation of incidents, on the disruption issue type's page and the communication page."""

    title: Text
    intro: Text
    status_page: Text
    banner: Text
    feed: Text
    json_api: Text
    tickets: Text
    states_title: Text
    services_title: Text


class Incidents(Record):
    title: Text = Field(description="The « État du service » page's title")
    intro: Text
    issue_type: Id = Field(description="The issue type whose page explains incidents (issue_types.yml)")
    history_days: int = Field(ge=1, le=3650, description="How far back the status page and the feed go")
    feed_id: Annotated[str, Field(pattern=FEED_ID_PATTERN)] = Field(
        description="The Atom feed's tag: URI authority and date (RFC 4151); never change it once published",
        examples=["ringover.com,2026"],
    )
    services: tuple[Service, ...] = Field(min_length=1)
    states: tuple[IncidentState, ...] = Field(min_length=1, description="The first one is where an incident starts")
    texts: IncidentTexts
    help: IncidentHelp


# --- the whole knowledge base -------------------------------------------------------


class KnowledgeBase(Record):
    site: Site
    process: Process
    issue_types: IssueTypes
    timelines: Timelines
    communication: Communication
    escalation: Escalation
    articles: Articles
    tracking: Tracking
    incidents: Incidents

    def step(self, step_id: str) -> Step:
        return _by_id(self.process.steps, step_id)

    def issue_type(self, issue_type_id: str) -> IssueType:
        return _by_id(self.issue_types.issue_types, issue_type_id)

    def timeline(self, timeline_id: str) -> Timeline:
        return _by_id(self.timelines.timelines, timeline_id)

    def team(self, team_id: str) -> Team:
        return _by_id(self.escalation.teams, team_id)

    def rule(self, rule_id: str) -> EscalationRule:
        return _by_id(self.escalation.rules, rule_id)

    def article(self, article_id: str) -> Article:
        return _by_id(self.articles.articles, article_id)

    def incident_state(self, state_id: str) -> IncidentState:
        return _by_id(self.incidents.states, state_id)

    def service(self, service_id: str) -> Service:
        return _by_id(self.incidents.services, service_id)

    def cadence(self, timeline_id: str) -> Cadence:
        return next(c for c in self.communication.cadence if c.timeline == timeline_id)

    def issue_types_with_timeline(self, timeline_id: str) -> list[IssueType]:
        return [item for item in self.issue_types.issue_types if item.timeline == timeline_id]

    def issue_types_escalated_by(self, rule_id: str) -> list[IssueType]:
        return [item for item in self.issue_types.issue_types if rule_id in item.escalation]


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


_T = TypeVar("_T", bound=_HasId)


def _by_id(items: tuple[_T, ...], wanted: str) -> _T:
    for item in items:
        if item.id == wanted:
            return item
    raise KeyError(wanted)


# One file a section: the file name (without .yml) is the field name above.
FILES: dict[str, type[Record]] = {
    "site": Site,
    "process": Process,
    "issue_types": IssueTypes,
    "timelines": Timelines,
    "communication": Communication,
    "escalation": Escalation,
    "articles": Articles,
    "tracking": Tracking,
    "incidents": Incidents,
}
