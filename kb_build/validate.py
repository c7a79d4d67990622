"""Check parsed files against the model and against each other, in words a support writer understands."""

from __future__ import annotations

from collections.abc import Iterable
from difflib import get_close_matches
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from kb_build import model
from kb_build.paths import FIXED_PAGES
from kb_build.source import Path, Problem, Source


def check_file(source: Source, schema: type[model.Record]) -> model.Record | None:
    """The file's record, or None with the problems added to `source.problems`."""
    try:
        return schema.model_validate(source.data)
    except ValidationError as error:
        details = error.errors(include_url=False)
        for detail in details:
            if detail["type"] == "too_short" and _has_nested_error(detail, details):
                continue  # pydantic also calls a list "too short" when its items failed: noise
            source.problems.append(_describe(source, schema, detail))
        return None


def _has_nested_error(detail: ErrorDetails, details: list[ErrorDetails]) -> bool:
    loc = detail["loc"]
    return any(other["loc"][: len(loc)] == loc and len(other["loc"]) > len(loc) for other in details)


def _describe(source: Source, schema: type[model.Record], detail: ErrorDetails) -> Problem:
    path: Path = tuple(detail["loc"])
    kind, value, ctx = detail["type"], detail.get("input"), detail.get("ctx", {})
    name = str(path[-1]) if path else ""
    if kind == "missing":
        return source.problem(path[:-1], f"il manque le champ obligatoire « {name} »")
    if kind == "extra_forbidden":
        allowed = sorted(_fields_at(schema, path[:-1]))
        close = get_close_matches(name, allowed, n=1)
        hint = f" ; vouliez-vous dire « {close[0]} » ?" if close else ""
        return source.problem(path, f"clé inconnue « {name} »{hint} Clés permises : {', '.join(allowed)}", key=True)
    return source.problem(path, _message(kind, value, ctx))


def _message(kind: str, value: Any, ctx: dict[str, Any]) -> str:
    found = _shown(value)
    if kind == "string_type":
        return f"attendu : un texte, trouvé : {found} (mettez-le entre guillemets)"
    if kind == "bool_type":
        return f"attendu : true ou false, trouvé : {found}"
    if kind == "int_type":
        return f"attendu : un nombre entier, trouvé : {found}"
    if kind in ("tuple_type", "list_type"):
        return f"attendu : une liste (lignes commençant par « - »), trouvé : {found}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"attendu : des paires « clé: valeur », trouvé : {found}"
    if kind == "string_too_short":
        return "ce texte ne doit pas être vide"
    if kind == "string_too_long":
        return f"ce texte est trop long ({ctx.get('max_length')} caractères au plus)"
    if kind == "too_short":
        return "cette liste ne doit pas être vide"
    if kind == "literal_error":
        return f"valeur {found} non permise ; valeurs permises : {ctx.get('expected')}"
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = ctx.get("ge", ctx.get("le"))
        return f"{found} est hors limites ({'au moins' if kind == 'greater_than_equal' else 'au plus'} {bound})"
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == r"^[0-9]+$":
            return f"attendu : uniquement des chiffres, trouvé : {found}"
        if ctx.get("pattern") == model.FEED_ID_PATTERN:
            example = "« ringover.com,2026 »"
            return f"attendu : un nom de domaine de la marque et une année, par exemple {example}, trouvé : {found}"
        return f"identifiant invalide {found} : lettres minuscules sans accents, chiffres et tirets uniquement"
    if kind == "value_error":
        reason = str(ctx.get("error", ""))
        if reason == "duration":
            return f"durée invalide {found} : écrivez par exemple « 4 heures », « 3 jours » ou « 2 semaines »"
        if reason.startswith("placeholder:"):
            _, name, allowed = reason.split(":")
            names = ", ".join(f"{{{item}}}" for item in allowed.split(",") if item) or "aucun"
            return f"{{{name}}} n'est pas un mot remplaçable ici ; mots permis : {names}"
        if reason == "timezone":
            return f"fuseau horaire inconnu {found} (par exemple : Europe/Paris)"
    return f"valeur invalide {found}"


def _shown(value: Any) -> str:
    if value is None:
        return "rien"
    if isinstance(value, dict):
        return "des paires « clé: valeur »"
    if isinstance(value, tuple):
        return "une liste"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return f"« {text[:60]}{'…' if len(text) > 60 else ''} »"


def _fields_at(schema: type[BaseModel], path: Path) -> set[str]:
    """The keys allowed in the mapping found at `path` inside `schema`."""
    current: Any = schema
    for part in path:
        if isinstance(part, int):
            continue
        annotation = current.model_fields[part].annotation
        current = _record_in(annotation)
        if current is None:
            return set()
    return set(current.model_fields)


def _record_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in getattr(annotation, "__args__", ()):
        found = _record_in(argument)
        if found is not None:
            return found
    return None


# --- references between files ------------------------------------------------------------------


def check_references(records: dict[str, model.Record], sources: dict[str, Source]) -> list[Problem]:
    """Duplicate ids, ids that point nowhere, and bounds that contradict each other.

    Runs on whichever files passed their own checks, so that a writer sees every mistake at once.
    """
    checks = _References(records, sources)
    checks.run()
    return checks.problems


def _ids(items: Iterable[Any] | None) -> set[str] | None:
    return None if items is None else {item.id for item in items}


class _References:
    def __init__(self, records: dict[str, model.Record], sources: dict[str, Source]) -> None:
        self.sources = sources
        self.problems: list[Problem] = []
        self.site = records.get("site")
        self.process = records.get("process")
        self.issue_types = records.get("issue_types")
        self.timelines = records.get("timelines")
        self.communication = records.get("communication")
        self.escalation = records.get("escalation")
        self.articles = records.get("articles")
        self.incidents = records.get("incidents")

    def fail(self, file: str, path: Path, message: str) -> None:
        self.problems.append(self.sources[file].problem(path, message))

    def run(self) -> None:
        process, issue_types, timelines = self.process, self.issue_types, self.timelines
        communication, escalation, articles, site = self.communication, self.escalation, self.articles, self.site
        assert process is None or isinstance(process, model.Process)
        assert issue_types is None or isinstance(issue_types, model.IssueTypes)
        assert timelines is None or isinstance(timelines, model.Timelines)
        assert communication is None or isinstance(communication, model.Communication)
        assert escalation is None or isinstance(escalation, model.Escalation)
        assert articles is None or isinstance(articles, model.Articles)
        assert site is None or isinstance(site, model.Site)

        team_ids = _ids(escalation and escalation.teams)
        timeline_ids = _ids(timelines and timelines.timelines)
        rule_ids = _ids(escalation and escalation.rules)
        issue_type_ids = _ids(issue_types and issue_types.issue_types)
        article_ids = _ids(articles and articles.articles)

        if process:
            self.unique("process", ("steps",), process.steps)
            for i, step in enumerate(process.steps):
                self.known("process", ("steps", i, "team"), step.team, team_ids, "d'équipe", "escalation.yml")
            for end in (0, len(process.steps) - 1):
                if process.steps[end].optional:
                    message = "la première et la dernière étape sont obligatoires"
                    self.fail("process", ("steps", end, "optional"), message)

        if issue_types:
            self.unique("issue_types", ("issue_types",), issue_types.issue_types)
            for i, issue in enumerate(issue_types.issue_types):
                at: Path = ("issue_types", i)
                self.known("issue_types", (*at, "timeline"), issue.timeline, timeline_ids, "de délai", "timelines.yml")
                self.known("issue_types", (*at, "handled_by"), issue.handled_by, team_ids, "d'équipe", "escalation.yml")
                for j, rule_id in enumerate(issue.escalation):
                    at_rule = (*at, "escalation", j)
                    self.known("issue_types", at_rule, rule_id, rule_ids, "de règle d'escalade", "escalation.yml")

        if timelines:
            self.unique("timelines", ("timelines",), timelines.timelines)
            for i, timeline in enumerate(timelines.timelines):
                if timeline.min > timeline.max:
                    message = "le délai minimal (min) dépasse le délai maximal (max)"
                    self.fail("timelines", ("timelines", i, "min"), message)
            for i, example in enumerate(timelines.examples):
                at = ("examples", i, "issue_type")
                kind = "de type de problème"
                self.known("timelines", at, example.issue_type, issue_type_ids, kind, "issue_types.yml")

        if communication:
            self.unique("communication", ("commitments",), communication.commitments)
            covered = set()
            for i, cadence in enumerate(communication.cadence):
                at = ("cadence", i, "timeline")
                self.known("communication", at, cadence.timeline, timeline_ids, "de délai", "timelines.yml")
                if cadence.timeline in covered:
                    self.fail("communication", at, f"le délai « {cadence.timeline} » a déjà une cadence")
                covered.add(cadence.timeline)
            for i, timeline in enumerate(timelines.timelines if timelines else ()):
                if timeline.id not in covered:
                    message = f"le délai « {timeline.id} » n'a pas de cadence de mise à jour dans communication.yml"
                    self.fail("timelines", ("timelines", i, "id"), message)

        if escalation:
            self.unique("escalation", ("teams",), escalation.teams)
            self.unique("escalation", ("rules",), escalation.rules)
            for i, rule in enumerate(escalation.rules):
                for j, team in enumerate(rule.teams):
                    self.known("escalation", ("rules", i, "teams", j), team, team_ids, "d'équipe", "escalation.yml")

        if articles:
            self.unique("articles", ("articles",), articles.articles)

        if site:
            self.check_site(site, article_ids, issue_type_ids)

        if self.incidents:
            assert isinstance(self.incidents, model.Incidents)
            self.check_incidents(self.incidents, issue_type_ids)

    def check_incidents(self, incidents: model.Incidents, issue_type_ids: set[str] | None) -> None:
        """The lifecycle must let every incident end: known moves, a final state, and a way to reach it."""
        at: Path = ("issue_type",)
        self.known("incidents", at, incidents.issue_type, issue_type_ids, "de type de problème", "issue_types.yml")
        self.unique("incidents", ("services",), incidents.services)
        self.unique("incidents", ("states",), incidents.states)
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

    def check_site(self, site: model.Site, article_ids: set[str] | None, issue_type_ids: set[str] | None) -> None:
        call_id = site.call_id
        if call_id.min_digits > call_id.max_digits:
            self.fail("site", ("call_id", "min_digits"), "min_digits dépasse max_digits")
        elif not call_id.min_digits <= len(call_id.example) <= call_id.max_digits:
            bounds = f"entre {call_id.min_digits} et {call_id.max_digits}"
            self.fail("site", ("call_id", "example"), f"l'exemple doit compter {bounds} chiffres")
        at = ("call_id", "howto_article")
        self.known("site", at, call_id.howto_article, article_ids, "d'article", "articles.yml")
        if article_ids is not None and issue_type_ids is not None:
            pages = set(FIXED_PAGES) | article_ids | issue_type_ids
            for i, route in enumerate(site.home.routes):
                where = "kb_build/paths.py, issue_types.yml et articles.yml"
                self.known("site", ("home", "routes", i, "page"), route.page, pages, "de page", where)

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
