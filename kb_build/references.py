"""Check the data files against each other: duplicate ids, ids that point nowhere, contradictory bounds."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from difflib import get_close_matches
from itertools import pairwise
from typing import Any

from pydantic import BaseModel, ConfigDict

from kb_build import model
from kb_build.paths import FIXED_PAGES
from kb_build.source import Path, Problem, Source


class Checked(BaseModel):
    """The files that passed their own checks, each typed, or None when it did not (its mistakes are reported).

    Built from the loader's records in one place, so that the checks below read typed files without asserts.
    """

    model_config = ConfigDict(frozen=True)

    site: model.Site | None = None
    process: model.Process | None = None
    issue_types: model.IssueTypes | None = None
    timelines: model.Timelines | None = None
    communication: model.Communication | None = None
    escalation: model.Escalation | None = None
    articles: model.Articles | None = None
    tracking: model.Tracking | None = None
    incidents: model.Incidents | None = None
    glossary: model.Glossary | None = None
    helpdesk: model.Helpdesk | None = None

    @classmethod
    def of(cls, records: Mapping[str, model.Record]) -> Checked:
        # The records are instances of the right classes already: pydantic takes them as they are.
        return cls.model_validate(dict(records))


def check_references(records: Mapping[str, model.Record], sources: dict[str, Source]) -> list[Problem]:
    """Runs on whichever files passed their own checks, so that a writer sees every mistake at once."""
    checks = _References(Checked.of(records), sources)
    checks.run()
    return checks.problems


def _ids(items: Iterable[Any] | None) -> set[str] | None:
    return None if items is None else {item.id for item in items}


class _References:
    def __init__(self, kb: Checked, sources: dict[str, Source]) -> None:
        self.kb = kb
        self.sources = sources
        self.problems: list[Problem] = []
        # None where the file defining those ids has mistakes of its own: references to them are not judged.
        self.team_ids = _ids(kb.escalation and kb.escalation.teams)
        self.timeline_ids = _ids(kb.timelines and kb.timelines.timelines)
        self.rule_ids = _ids(kb.escalation and kb.escalation.rules)
        self.issue_type_ids = _ids(kb.issue_types and kb.issue_types.issue_types)
        self.article_ids = _ids(kb.articles and kb.articles.articles)

    def fail(self, file: str, path: Path, message: str) -> None:
        self.problems.append(self.sources[file].problem(path, message))

    def run(self) -> None:
        kb = self.kb
        if kb.process:
            self.check_process(kb.process)
        if kb.issue_types:
            self.check_issue_types(kb.issue_types)
        if kb.timelines:
            self.check_timelines(kb.timelines)
        if kb.communication:
            self.check_communication(kb.communication, kb.timelines)
        if kb.escalation:
            self.check_escalation(kb.escalation)
        if kb.articles:
            self.unique("articles", ("articles",), kb.articles.articles)
        if kb.site:
            self.check_site(kb.site)
        if kb.incidents:
            self.check_incidents(kb.incidents)
        if kb.helpdesk:
            self.check_helpdesk(kb.helpdesk.zendesk)

    def check_process(self, process: model.Process) -> None:
        self.unique("process", ("steps",), process.steps)
        for i, step in enumerate(process.steps):
            self.known("process", ("steps", i, "team"), step.team, self.team_ids, "d'équipe", "escalation.yml")
        for end in (0, len(process.steps) - 1):
            if process.steps[end].optional:
                self.fail("process", ("steps", end, "optional"), "la première et la dernière étape sont obligatoires")

    def check_issue_types(self, issue_types: model.IssueTypes) -> None:
        self.unique("issue_types", ("issue_types",), issue_types.issue_types)
        for i, issue in enumerate(issue_types.issue_types):
            at: Path = ("issue_types", i)
            timelines, teams = self.timeline_ids, self.team_ids
            self.known("issue_types", (*at, "timeline"), issue.timeline, timelines, "de délai", "timelines.yml")
            self.known("issue_types", (*at, "handled_by"), issue.handled_by, teams, "d'équipe", "escalation.yml")
            for j, rule_id in enumerate(issue.escalation):
                kind = "de règle d'escalade"
                self.known("issue_types", (*at, "escalation", j), rule_id, self.rule_ids, kind, "escalation.yml")
            pages = self.pages()
            for j, page_id in enumerate(issue.related):
                where = "kb_build/paths.py, issue_types.yml et articles.yml"
                self.known("issue_types", (*at, "related", j), page_id, pages, "de page", where)

    def check_timelines(self, timelines: model.Timelines) -> None:
        self.unique("timelines", ("timelines",), timelines.timelines)
        for i, timeline in enumerate(timelines.timelines):
            if timeline.min > timeline.max:
                message = "le délai minimal (min) dépasse le délai maximal (max)"
                self.fail("timelines", ("timelines", i, "min"), message)
        for i, example in enumerate(timelines.examples):
            at: Path = ("examples", i, "issue_type")
            kind = "de type de problème"
            self.known("timelines", at, example.issue_type, self.issue_type_ids, kind, "issue_types.yml")

    def check_communication(self, communication: model.Communication, timelines: model.Timelines | None) -> None:
        self.unique("communication", ("commitments",), communication.commitments)
        covered = set()
        for i, cadence in enumerate(communication.cadence):
            at: Path = ("cadence", i, "timeline")
            self.known("communication", at, cadence.timeline, self.timeline_ids, "de délai", "timelines.yml")
            if cadence.timeline in covered:
                self.fail("communication", at, f"le délai « {cadence.timeline} » a déjà une cadence")
            covered.add(cadence.timeline)
        for i, timeline in enumerate(timelines.timelines if timelines else ()):
            if timeline.id not in covered:
                message = f"le délai « {timeline.id} » n'a pas de cadence de mise à jour dans communication.yml"
                self.fail("timelines", ("timelines", i, "id"), message)

    def check_escalation(self, escalation: model.Escalation) -> None:
        self.unique("escalation", ("teams",), escalation.teams)
        self.unique("escalation", ("rules",), escalation.rules)
        for i, rule in enumerate(escalation.rules):
            for j, team in enumerate(rule.teams):
                self.known("escalation", ("rules", i, "teams", j), team, self.team_ids, "d'équipe", "escalation.yml")

    def check_incidents(self, incidents: model.Incidents) -> None:
        """The lifecycle must let every incident end: known moves, a final state, and a way to reach it."""
        at: Path = ("issue_type",)
        kind = "de type de problème"
        self.known("incidents", at, incidents.issue_type, self.issue_type_ids, kind, "issue_types.yml")
        self.unique("incidents", ("services",), incidents.services)
        self.unique("incidents", ("states",), incidents.states)
        self.check_service_states(incidents)
        state_ids = {state.id for state in incidents.states}
        for i, state in enumerate(incidents.states):
            for j, target in enumerate(state.next):
                self.known("incidents", ("states", i, "next", j), target, state_ids, "d'état", "incidents.yml")
                if target == state.id:
                    message = f"l'état « {state.id} » ne peut pas mener à lui-même"
                    self.fail("incidents", ("states", i, "next", j), message)
            if state.final and state.next:
                message = f"l'état final « {state.id} » termine l'incident : retirez sa liste « next »"
                self.fail("incidents", ("states", i, "next"), message)
        if incidents.states[0].final:
            message = "le premier état est celui d'un nouvel incident : il ne peut pas être final"
            self.fail("incidents", ("states", 0, "final"), message)
        if not any(state.final for state in incidents.states):
            message = "aucun état final (final: true) : un incident doit pouvoir être résolu"
            self.fail("incidents", ("states",), message)
            return
        ending = {state.id for state in incidents.states if state.final}
        # Walk the moves backwards from the final states: what is never reached can never end.
        changed = True
        while changed:
            before = len(ending)
            ending |= {state.id for state in incidents.states if ending & set(state.next)}
            changed = len(ending) > before
        for i, state in enumerate(incidents.states):
            if state.id not in ending:
                message = f"depuis l'état « {state.id} », aucune suite d'états (next) ne mène à un état final"
                self.fail("incidents", ("states", i, "id"), message)

    def check_service_states(self, incidents: model.Incidents) -> None:
        """Best first, each worse than the one before; an incident's impact is one of the worse ones."""
        states = incidents.service_states
        self.unique("incidents", ("service_states",), states)
        if states[0].severity != 0:
            message = "le premier état d'un service est celui d'un service qui fonctionne normalement : severity 0"
            self.fail("incidents", ("service_states", 0, "severity"), message)
        for i, (before, state) in enumerate(pairwise(states), start=1):
            if state.severity <= before.severity:
                message = (
                    f"les états d'un service vont du meilleur au pire : « {state.id} » doit avoir une gravité "
                    f"(severity) plus grande que « {before.id} » ({before.severity})"
                )
                self.fail("incidents", ("service_states", i, "severity"), message)
        maintenance = incidents.maintenance.service_state
        where = "incidents.yml, service_states"
        self.known("incidents", ("maintenance", "service_state"), maintenance, {s.id for s in states}, "d'état", where)
        if maintenance == states[0].id:
            message = (
                "l'état des services en maintenance ne peut pas être celui d'un service qui fonctionne normalement"
            )
            self.fail("incidents", ("maintenance", "service_state"), message)
        impacts = {state.id for state in states[1:]} - {maintenance}
        at: Path = ("default_impact",)
        self.known(
            "incidents",
            at,
            incidents.default_impact,
            impacts,
            "d'état de service perturbé",
            "incidents.yml, service_states sauf le premier et celui des maintenances",
        )

    def check_helpdesk(self, zendesk: model.Zendesk) -> None:
        """Every Zendesk word maps to ids that exist, once."""
        steps = _ids(self.kb.process and self.kb.process.steps)
        issue_types = self.issue_type_ids
        for name, items, attribute, known, kind, where in (
            ("statuses", zendesk.statuses, "step", steps, "d'étape", "process.yml"),
            ("custom_statuses", zendesk.custom_statuses, "step", steps, "d'étape", "process.yml"),
            ("groups", zendesk.groups, "team", self.team_ids, "d'équipe", "escalation.yml"),
        ):
            self.mapped(("zendesk", name), [(item.zendesk, getattr(item, attribute)) for item in items])
            for i, item in enumerate(items):
                value = getattr(item, attribute)
                self.known("helpdesk", ("zendesk", name, i, attribute), value, known, kind, where)
        field = zendesk.issue_type
        at: Path = ("zendesk", "issue_type")
        self.mapped((*at, "values"), [(item.zendesk, item.issue_type) for item in field.values])
        kind = "de type de problème"
        for i, item in enumerate(field.values):
            self.known(
                "helpdesk", (*at, "values", i, "issue_type"), item.issue_type, issue_types, kind, "issue_types.yml"
            )
        self.known("helpdesk", (*at, "default"), field.default, issue_types, kind, "issue_types.yml")
        if field.values and field.field is None:
            self.fail("helpdesk", (*at, "values"), "des valeurs sans champ : indiquez le champ Zendesk (field)")
        if field.field is not None and field.field in zendesk.call_id_fields:
            self.fail("helpdesk", (*at, "field"), f"le champ {field.field} contient déjà les Call ID (call_id_fields)")

    def mapped(self, path: Path, pairs: list[tuple[str, str]]) -> None:
        """A Zendesk word maps to one of ours at most (compared without case)."""
        first: dict[str, int] = {}
        for i, (word, _) in enumerate(pairs):
            key = word.casefold()
            if key in first:
                line = self.sources["helpdesk"].position((*path, first[key], "zendesk")).line
                self.fail("helpdesk", (*path, i, "zendesk"), f"« {word} » est déjà associé (ligne {line})")
            else:
                first[key] = i

    def check_site(self, site: model.Site) -> None:
        call_id = site.call_id
        if call_id.min_digits > call_id.max_digits:
            self.fail("site", ("call_id", "min_digits"), "min_digits dépasse max_digits")
        elif not call_id.min_digits <= len(call_id.example) <= call_id.max_digits:
            bounds = f"entre {call_id.min_digits} et {call_id.max_digits}"
            self.fail("site", ("call_id", "example"), f"l'exemple doit compter {bounds} chiffres")
        at: Path = ("call_id", "howto_article")
        self.known("site", at, call_id.howto_article, self.article_ids, "d'article", "articles.yml")
        pages = self.pages()
        for i, route in enumerate(site.home.routes):
            where = "kb_build/paths.py, issue_types.yml et articles.yml"
            self.known("site", ("home", "routes", i, "page"), route.page, pages, "de page", where)

    def pages(self) -> set[str] | None:
        """Every page id a writer may link to; None while articles.yml or issue_types.yml has mistakes."""
        if self.article_ids is None or self.issue_type_ids is None:
            return None
        return set(FIXED_PAGES) | self.article_ids | self.issue_type_ids

    def unique(self, file: str, path: Path, items: Iterable[Any]) -> None:
        first: dict[str, int] = {}
        for i, item in enumerate(items):
            if item.id in first:
                line = self.sources[file].position((*path, first[item.id], "id")).line
                self.fail(file, (*path, i, "id"), f"identifiant « {item.id} » en double (déjà utilisé ligne {line})")
            else:
                first[item.id] = i

    def known(self, file: str, path: Path, value: str, known: set[str] | None, kind: str, where: str) -> None:
        if known is None or value in known:
            return  # unknown when the file that defines these ids has mistakes of its own
        close = get_close_matches(value, sorted(known), n=1)
        hint = f" ; vouliez-vous dire « {close[0]} » ?" if close else ""
        listed = ", ".join(sorted(known))
        message = f"« {value} » n'est pas un identifiant {kind} connu{hint} (définis dans {where} : {listed})"
        self.fail(file, path, message)
