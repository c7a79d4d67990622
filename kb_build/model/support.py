"""process.yml, issue_types.yml, timelines.yml, communication.yml and escalation.yml: how support works."""

from __future__ import annotations

from pydantic import Field

from kb_build.model.fields import DataFile, Duration, Id, Record, Sourced, Statement, Text


class Page(DataFile):
    """A data file that is a page of the help center: its title, and the introduction under it."""

    title: Text
    intro: Text


class Step(Sourced):
    """A step of the process; `source` covers which team is responsible for it."""

    id: Id
    title: Text
    summary: Text = Field(description="The step in one sentence, as the source article puts it")
    details: Text = Field(description="What happens at this step, for the customer")
    customer_action: Text = Field(description="What the customer may do meanwhile")
    team: Id
    optional: bool = False
    optional_label: Text | None = None


class Process(Page):
    promise: Text
    steps: tuple[Step, ...] = Field(min_length=1)
    closing: Statement | None = Field(None, description="When a ticket is closed, shown with the last step")


# --- issue_types.yml --------------------------------------------------------------


class IssueType(Sourced):
    """A common problem; `source` covers which team handles it (handled_by)."""

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
    related: tuple[Id, ...] = Field(
        (), description="Pages listed first under the related articles (ids of issue types, articles, fixed pages)"
    )


class IssueTypes(Page):
    issue_types: tuple[IssueType, ...] = Field(min_length=1)


# --- timelines.yml ----------------------------------------------------------------


class Timeline(Sourced):
    """A class of resolution delay; `source` covers its bounds (min, max), which the status checker counts from."""

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


class Timelines(Page):
    timelines: tuple[Timeline, ...] = Field(min_length=1)
    examples: tuple[TimelineExample, ...] = ()


# --- communication.yml ------------------------------------------------------------


class Commitment(Record):
    id: Id
    title: Text
    text: Text


class Cadence(Sourced):
    """How often updates come for a class of delay; `source` covers the frequency (every)."""

    timeline: Id
    every: Duration
    wording: Text


class Communication(Page):
    commitments: tuple[Commitment, ...] = Field(min_length=1)
    cadence_intro: Text
    cadence: tuple[Cadence, ...] = Field(min_length=1)


# --- escalation.yml ---------------------------------------------------------------


class Team(Record):
    id: Id
    name: Text
    description: Text


class EscalationRule(Sourced):
    """An escalation procedure; `source` covers which teams it involves (teams)."""

    id: Id
    title: Text
    text: Text = Field(description="The rule as the source article words it")
    details: Text
    teams: tuple[Id, ...] = Field(min_length=1)
    alternatives: tuple[Statement, ...] = ()


class Escalation(Page):
    teams: tuple[Team, ...] = Field(min_length=1)
    rules: tuple[EscalationRule, ...] = Field(min_length=1)
