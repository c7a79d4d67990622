"""The typed, immutable model of the help center's source of truth (data/*.yml), one module per data file."""

from __future__ import annotations

from pydantic import PrivateAttr

from kb_build.model.articles import Article, Articles, Callout, Section, Tab
from kb_build.model.fields import (
    CUSTOMERS,
    DURATION_PATTERN,
    TOOLS,
    Audience,
    DataFile,
    Duration,
    Id,
    Mistake,
    Record,
    Source,
    Sourced,
    Statement,
    Text,
    by_id,
    parse_duration,
)
from kb_build.model.glossary import Glossary, Term
from kb_build.model.helpdesk import Helpdesk, Zendesk
from kb_build.model.incidents import (
    FEED_ID_PATTERN,
    IncidentHelp,
    Incidents,
    IncidentState,
    IncidentTexts,
    Service,
    ServiceState,
)
from kb_build.model.site import (
    CallIdFormat,
    Contact,
    Feedback,
    Home,
    HomeRoute,
    Labels,
    Language,
    NotFoundPage,
    Site,
)
from kb_build.model.subscriptions import Subscriptions, SubscriptionTexts
from kb_build.model.support import (
    Cadence,
    Commitment,
    Communication,
    Escalation,
    EscalationRule,
    IssueType,
    IssueTypes,
    Process,
    Step,
    Team,
    Timeline,
    TimelineExample,
    Timelines,
)
from kb_build.model.tracking import Tracking, TrackingTexts

__all__ = [
    "CUSTOMERS",
    "DURATION_PATTERN",
    "FEED_ID_PATTERN",
    "FILES",
    "TOOLS",
    "Article",
    "Articles",
    "Audience",
    "Cadence",
    "CallIdFormat",
    "Callout",
    "Commitment",
    "Communication",
    "Contact",
    "DataFile",
    "Duration",
    "Escalation",
    "EscalationRule",
    "Feedback",
    "Glossary",
    "Helpdesk",
    "Home",
    "HomeRoute",
    "Id",
    "IncidentHelp",
    "IncidentState",
    "IncidentTexts",
    "Incidents",
    "IssueType",
    "IssueTypes",
    "KnowledgeBase",
    "Labels",
    "Language",
    "Mistake",
    "NotFoundPage",
    "Process",
    "Record",
    "Section",
    "Service",
    "ServiceState",
    "Site",
    "Source",
    "Sourced",
    "Statement",
    "Step",
    "SubscriptionTexts",
    "Subscriptions",
    "Tab",
    "Team",
    "Term",
    "Text",
    "Timeline",
    "TimelineExample",
    "Timelines",
    "Tracking",
    "TrackingTexts",
    "Zendesk",
    "parse_duration",
]


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
    glossary: Glossary
    helpdesk: Helpdesk
    subscriptions: Subscriptions
    # The same knowledge base in each other language of site.yml, by code (set by the loader): every field above
    # stays French, so that whoever reads the model without asking for a language reads French.
    _translations: dict[str, KnowledgeBase] = PrivateAttr(default_factory=dict)

    def set_translations(self, translations: dict[str, KnowledgeBase]) -> None:
        """For the loader: the other languages' knowledge bases, each knowing all the others."""
        everyone = {self.site.language: self, **translations}
        for kb in everyone.values():
            kb._translations = everyone

    @property
    def language(self) -> str:
        """The language of this knowledge base's texts."""
        return next((code for code, kb in self._translations.items() if kb is self), self.site.language)

    @property
    def languages(self) -> tuple[str, ...]:
        """The help center's languages, French first."""
        return self.site.language_codes()

    def in_language(self, code: str) -> KnowledgeBase:
        """The same knowledge base with the texts of `code`; French for a language the site does not have."""
        return self._translations.get(code) or self._translations.get(self.site.language) or self

    def step(self, step_id: str) -> Step:
        return by_id(self.process.steps, step_id)

    def issue_type(self, issue_type_id: str) -> IssueType:
        return by_id(self.issue_types.issue_types, issue_type_id)

    def timeline(self, timeline_id: str) -> Timeline:
        return by_id(self.timelines.timelines, timeline_id)

    def team(self, team_id: str) -> Team:
        return by_id(self.escalation.teams, team_id)

    def rule(self, rule_id: str) -> EscalationRule:
        return by_id(self.escalation.rules, rule_id)

    def article(self, article_id: str) -> Article:
        return by_id(self.articles.articles, article_id)

    def incident_state(self, state_id: str) -> IncidentState:
        return by_id(self.incidents.states, state_id)

    def service(self, service_id: str) -> Service:
        return by_id(self.incidents.services, service_id)

    def service_state(self, state_id: str) -> ServiceState:
        return by_id(self.incidents.service_states, state_id)

    def cadence(self, timeline_id: str) -> Cadence:
        return next(c for c in self.communication.cadence if c.timeline == timeline_id)

    def issue_types_with_timeline(self, timeline_id: str) -> list[IssueType]:
        return [item for item in self.issue_types.issue_types if item.timeline == timeline_id]

    def issue_types_escalated_by(self, rule_id: str) -> list[IssueType]:
        return [item for item in self.issue_types.issue_types if rule_id in item.escalation]


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
    "glossary": Glossary,
    "helpdesk": Helpdesk,
    "subscriptions": Subscriptions,
}
