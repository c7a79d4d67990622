"""Check parsed files against the model and against each other, in words a support writer understands."""

from __future__ import annotations

from collections.abc import Iterable
from difflib import get_close_matches
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from kb_build import model
from kb_build.paths import page_index
from kb_build.source import Path, Problem, Source


def check_file(source: Source, schema: type[model.Record]) -> model.Record | None:
    """The file's record, or None with the problems added to `source.problems`."""
    try:
        return schema.model_validate(source.data)
    except ValidationError as error:
        for detail in error.errors(include_url=False):
            source.problems.append(_describe(source, schema, detail))
        return None


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
        return f"identifiant invalide {found} : lettres minuscules sans accents, chiffres et tirets uniquement"
    if kind == "value_error":
        reason = str(ctx.get("error", ""))
        if reason == "duration":
            return f"durée invalide {found} : écrivez par exemple « 4 heures », « 3 jours » ou « 2 semaines »"
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


def check_references(kb: model.KnowledgeBase, sources: dict[str, Source]) -> list[Problem]:
    """Duplicate ids, ids that point nowhere, and bounds that contradict each other."""
    checks = _References(kb, sources)
    checks.run()
    return checks.problems


class _References:
    def __init__(self, kb: model.KnowledgeBase, sources: dict[str, Source]) -> None:
        self.kb = kb
        self.sources = sources
        self.problems: list[Problem] = []

    def fail(self, file: str, path: Path, message: str) -> None:
        self.problems.append(self.sources[file].problem(path, message))

    def run(self) -> None:
        kb = self.kb
        self.unique("process", ("steps",), kb.process.steps)
        self.unique("issue_types", ("issue_types",), kb.issue_types.issue_types)
        self.unique("timelines", ("timelines",), kb.timelines.timelines)
        self.unique("communication", ("commitments",), kb.communication.commitments)
        self.unique("escalation", ("teams",), kb.escalation.teams)
        self.unique("escalation", ("rules",), kb.escalation.rules)
        self.unique("articles", ("articles",), kb.articles.articles)

        teams = {team.id for team in kb.escalation.teams}
        timelines = {timeline.id for timeline in kb.timelines.timelines}
        rules = {rule.id for rule in kb.escalation.rules}
        issue_types = {issue_type.id for issue_type in kb.issue_types.issue_types}
        articles = {article.id for article in kb.articles.articles}
        pages = set(page_index(kb))

        for i, step in enumerate(kb.process.steps):
            self.known("process", ("steps", i, "team"), step.team, teams, "d'équipe", "escalation.yml")
        for end in (0, len(kb.process.steps) - 1):
            if kb.process.steps[end].optional:
                self.fail("process", ("steps", end, "optional"), "la première et la dernière étape sont obligatoires")

        for i, issue in enumerate(kb.issue_types.issue_types):
            at: Path = ("issue_types", i)
            self.known("issue_types", (*at, "timeline"), issue.timeline, timelines, "de délai", "timelines.yml")
            self.known("issue_types", (*at, "handled_by"), issue.handled_by, teams, "d'équipe", "escalation.yml")
            for j, rule in enumerate(issue.escalation):
                self.known("issue_types", (*at, "escalation", j), rule, rules, "de règle d'escalade", "escalation.yml")

        for i, timeline in enumerate(kb.timelines.timelines):
            if timeline.min > timeline.max:
                self.fail("timelines", ("timelines", i, "min"), "le délai minimal dépasse le délai maximal (max)")
        for i, example in enumerate(kb.timelines.examples):
            at = ("examples", i, "issue_type")
            self.known("timelines", at, example.issue_type, issue_types, "de type de problème", "issue_types.yml")

        covered = set()
        for i, cadence in enumerate(kb.communication.cadence):
            at = ("cadence", i, "timeline")
            self.known("communication", at, cadence.timeline, timelines, "de délai", "timelines.yml")
            if cadence.timeline in covered:
                self.fail("communication", at, f"le délai « {cadence.timeline} » a déjà une cadence")
            covered.add(cadence.timeline)
        for i, timeline in enumerate(kb.timelines.timelines):
            if timeline.id not in covered:
                message = f"le délai « {timeline.id} » n'a pas de cadence de mise à jour dans communication.yml"
                self.fail("timelines", ("timelines", i, "id"), message)

        for i, rule in enumerate(kb.escalation.rules):
            for j, team in enumerate(rule.teams):
                self.known("escalation", ("rules", i, "teams", j), team, teams, "d'équipe", "escalation.yml")

        call_id = kb.site.call_id
        if call_id.min_digits > call_id.max_digits:
            self.fail("site", ("call_id", "min_digits"), "min_digits dépasse max_digits")
        elif not call_id.min_digits <= len(call_id.example) <= call_id.max_digits:
            bounds = f"entre {call_id.min_digits} et {call_id.max_digits}"
            self.fail("site", ("call_id", "example"), f"l'exemple doit compter {bounds} chiffres")
        at = ("call_id", "howto_article")
        self.known("site", at, call_id.howto_article, articles, "d'article", "articles.yml")
        for i, route in enumerate(kb.site.home.routes):
            self.known("site", ("home", "routes", i, "page"), route.page, pages, "de page", "la liste des pages")

    def unique(self, file: str, path: Path, items: Iterable[Any]) -> None:
        first: dict[str, int] = {}
        for i, item in enumerate(items):
            if item.id in first:
                line = self.sources[file].position((*path, first[item.id], "id")).line
                self.fail(file, (*path, i, "id"), f"identifiant « {item.id} » en double (déjà utilisé ligne {line})")
            else:
                first[item.id] = i

    def known(self, file: str, path: Path, value: str, known: set[str], kind: str, where: str) -> None:
        if value not in known:
            close = get_close_matches(value, sorted(known), n=1)
            hint = f" ; vouliez-vous dire « {close[0]} » ?" if close else ""
            self.fail(file, path, f"« {value} » n'est pas un identifiant {kind} connu{hint} (définis dans {where} : "
                      f"{', '.join(sorted(known))})")

