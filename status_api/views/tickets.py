"""What a customer sees of a ticket (and of its incident): a pure function of the records, the data and the time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal, Protocol, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from kb_build.model import KnowledgeBase
from kb_build.paths import issue_type_page, service_of, url_of
from status_api.domain.records import Incident, IncidentUpdate, Ticket
from status_api.views.dates import dates_in

StepState = Literal["done", "current", "upcoming", "skipped"]


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class DateView(_View):
    at: datetime = Field(description="In the site's time zone")
    text: str = Field(
        description="In the answer's language (Content-Language), e.g. « mardi 24 novembre 2026 à 14 h 05 », "
        '"Tuesday 24 November 2026 at 2:05 pm"'
    )


class IssueTypeView(_View):
    id: str
    title: str
    url: str | None = Field(description="The issue type's help page, from the site root")


class StepView(_View):
    id: str
    title: str


class ProgressStep(_View):
    id: str
    title: str
    summary: str
    state: StepState
    optional: bool
    optional_label: str | None


class TeamView(_View):
    id: str
    name: str


class WindowView(_View):
    start: DateView
    end: DateView
    label: str = Field(description="The timeline's short wording, from data/timelines.yml")
    passed: bool = Field(description="The window has ended and the ticket is not resolved")
    confirmed: bool = Field(
        description="The company committed to this delay (data/timelines.yml's source): only then is it a bound, "
        "not what is usual"
    )


class UpdateView(_View):
    at: DateView
    text: str | None
    step: StepView | None = Field(description="The step the ticket moved to with this update")
    team: TeamView | None = Field(description="The team the ticket moved to with this update")


class NextUpdateView(_View):
    at: DateView
    wording: str = Field(description="How often updates usually come, from data/communication.yml")
    late: bool = Field(description="The due date has passed without an update")
    confirmed: bool = Field(description="The company committed to this frequency: only then is the date a bound")


class IncidentStateView(_View):
    id: str
    title: str
    final: bool


class IncidentUpdateView(_View):
    at: DateView
    text: str | None
    state: IncidentStateView | None = Field(description="The state the incident moved to with this update")


class LinkedIncidentView(_View):
    """The incident a ticket is linked to, as its lookup shows it."""

    reference: str
    title: str
    url: str = Field(description="The incident on the « État du service » page, from the service's root")
    state: IncidentStateView
    ongoing: bool
    latest_update: IncidentUpdateView | None


class TicketView(_View):
    reference: str
    issue_type: IssueTypeView
    step: StepView
    progress: list[ProgressStep] = Field(description="Every step of the process, in order")
    team: TeamView
    prioritised: bool
    opened: DateView
    window: WindowView | None
    updates: list[UpdateView] = Field(description="The latest ones (data/tracking.yml's updates_shown), newest first")
    older_updates: int = Field(0, description="How many older public updates the ticket has, not shown")
    next_update: NextUpdateView | None = Field(description="None once the ticket is resolved")
    resolved: DateView | None
    incident: LinkedIncidentView | None = Field(
        None, description="The service disruption this ticket is part of; a linked ticket is prioritised"
    )


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


_T = TypeVar("_T", bound=_HasId)


def _find(items: Iterable[_T], wanted: str | None) -> _T | None:
    # A ticket may outlive an id that a writer has since removed from the YAML: show it, do not fail.
    return next((item for item in items if item.id == wanted), None)


def date_view(moment: datetime, kb: KnowledgeBase) -> DateView:
    zone = ZoneInfo(kb.site.timezone)
    return DateView(at=moment.astimezone(zone), text=dates_in(kb.language).datetime(moment, zone))


def incident_state_view(state_id: str, kb: KnowledgeBase) -> IncidentStateView:
    found = _find(kb.incidents.states, state_id)
    return IncidentStateView(id=state_id, title=found.title if found else state_id, final=bool(found and found.final))


def incident_update_view(update: IncidentUpdate, kb: KnowledgeBase) -> IncidentUpdateView:
    return IncidentUpdateView(
        at=date_view(update.at, kb),
        text=update.text,
        state=incident_state_view(update.state, kb) if update.state else None,
    )


def linked_incident_view(incident: Incident, kb: KnowledgeBase) -> LinkedIncidentView:
    latest = max(incident.updates, key=lambda u: u.at, default=None)
    return LinkedIncidentView(
        reference=incident.reference,
        title=incident.title,
        url=service_of(kb).incident_anchor(incident.reference),
        state=incident_state_view(incident.state, kb),
        ongoing=incident.ongoing,
        latest_update=incident_update_view(latest, kb) if latest else None,
    )


def ticket_view(ticket: Ticket, kb: KnowledgeBase, now: datetime, incident: Incident | None = None) -> TicketView:
    """`incident` is the one the ticket is linked to, when it is (TicketViews makes many, quicker)."""
    return TicketViews(kb).view(ticket, now, incident)


class TicketViews:
    """Ticket views for one knowledge base. What depends on the data alone (a step's or a team's view, the
    progress list for a step, the skipped steps and the resolution) is made once and shared between views:
    views are immutable. A lookup that misses the answer cache builds one view: this is most of its work."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._zone = ZoneInfo(kb.site.timezone)
        self._datetime = dates_in(kb.language).datetime
        self._step_ids = [s.id for s in kb.process.steps]
        self._steps = {s.id: StepView(id=s.id, title=s.title) for s in kb.process.steps}
        self._teams = {t.id: TeamView(id=t.id, name=t.name) for t in kb.escalation.teams}
        self._progress: dict[tuple[str, tuple[str, ...], bool], list[ProgressStep]] = {}

    def date(self, moment: datetime) -> DateView:
        local = moment.astimezone(self._zone)
        return DateView(at=local, text=self._datetime(local, self._zone))

    def step(self, step_id: str) -> StepView:
        # A ticket may outlive an id that a writer has since removed from the YAML: show it, do not fail.
        return self._steps.get(step_id) or StepView(id=step_id, title=step_id)

    def team(self, team_id: str) -> TeamView:
        return self._teams.get(team_id) or TeamView(id=team_id, name=team_id)

    def progress(self, ticket: Ticket, resolved: bool) -> list[ProgressStep]:
        key = (ticket.step, ticket.skipped_steps, resolved)
        found = self._progress.get(key)
        if found is None:
            steps = self.kb.process.steps
            found = [
                ProgressStep(
                    id=s.id,
                    title=s.title,
                    summary=s.summary,
                    state=_state(index, s.id, ticket, self._step_ids, resolved),
                    optional=s.optional,
                    optional_label=s.optional_label,
                )
                for index, s in enumerate(steps)
            ]
            if len(self._progress) < 4096:  # the combinations the data allows are few; odd ids are not kept
                self._progress[key] = found
        return found

    def view(self, ticket: Ticket, now: datetime, incident: Incident | None = None) -> TicketView:
        kb, date = self.kb, self.date
        resolved = ticket.resolved_at is not None and ticket.step == self._step_ids[-1]
        # The store reads a ticket's latest updates only; of those, the latest updates_shown, newest first.
        shown = sorted(reversed(ticket.updates), key=lambda u: u.at, reverse=True)[: kb.tracking.updates_shown]
        issue_type = _find(kb.issue_types.issue_types, ticket.issue_type)
        timeline = _find(kb.timelines.timelines, issue_type.timeline if issue_type else None)
        cadence = next((c for c in kb.communication.cadence if timeline and c.timeline == timeline.id), None)

        window = None
        if timeline is not None:
            end = ticket.opened_at + timeline.max
            window = WindowView(
                start=date(ticket.opened_at + timeline.min),
                end=date(end),
                label=timeline.label,
                confirmed=timeline.confirmed,
                passed=not resolved and now > end,
            )
        next_update = None
        if cadence is not None and not resolved:
            last = max((u.at for u in ticket.updates), default=ticket.opened_at)
            due = max(last, ticket.opened_at) + cadence.every
            next_update = NextUpdateView(
                at=date(due), wording=cadence.wording, late=now > due, confirmed=cadence.confirmed
            )

        return TicketView(
            reference=ticket.reference,
            issue_type=IssueTypeView(
                id=ticket.issue_type,
                title=issue_type.title if issue_type else ticket.issue_type,
                url="/" + url_of(issue_type_page(issue_type.id)) if issue_type else None,
            ),
            step=self.step(ticket.step),
            progress=self.progress(ticket, resolved),
            team=self.team(ticket.team),
            # A ticket linked to an incident is part of a disruption affecting several users: handled first.
            prioritised=ticket.prioritised
            or ticket.incident is not None
            or bool(issue_type and issue_type.prioritised)
            or bool(timeline and timeline.prioritised),
            opened=date(ticket.opened_at),
            window=window,
            updates=[
                UpdateView(
                    at=date(u.at),
                    text=u.text,
                    step=self.step(u.step) if u.step else None,
                    team=self.team(u.team) if u.team else None,
                )
                for u in shown
            ],
            older_updates=max(ticket.update_count - len(shown), 0),
            next_update=next_update,
            resolved=date(ticket.resolved_at) if resolved and ticket.resolved_at else None,
            incident=linked_incident_view(incident, kb) if incident is not None else None,
        )


def _state(index: int, step_id: str, ticket: Ticket, step_ids: list[str], resolved: bool) -> StepState:
    current = step_ids.index(ticket.step) if ticket.step in step_ids else None
    if index == current:
        return "done" if resolved else "current"
    if step_id in ticket.skipped_steps:
        return "skipped"
    if current is not None and index < current:
        return "done"
    return "upcoming"
