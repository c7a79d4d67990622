"""Check one parsed file against the model, and word each mistake as a support writer understands it."""

from __future__ import annotations

import re
from collections.abc import Callable
from difflib import get_close_matches
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from kb_build.model import Mistake, Record
from kb_build.model.fields import BrokenBrace
from kb_build.source import Path, Problem, Source

_BRACES = re.compile(r"[{}]")


def check_file(source: Source, schema: type[Record]) -> Record | None:
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


def _describe(source: Source, schema: type[Record], detail: ErrorDetails) -> Problem:
    path: Path = tuple(detail["loc"])
    kind, value, ctx = detail["type"], detail.get("input"), detail.get("ctx", {})
    name = str(path[-1]) if path else ""
    if kind == "missing":
        return source.problem(path[:-1], f"il manque le champ obligatoire « {name} »")
    if kind == "extra_forbidden":
        allowed = sorted(_fields_at(schema, path[:-1]))
        close = get_close_matches(name, allowed, n=1)
        hint = f" ; vouliez-vous dire « {close[0]} » ? Clés permises" if close else " ; clés permises"
        return source.problem(path, f"clé inconnue « {name} »{hint} : {', '.join(allowed)}", key=True)
    if kind == Mistake.BRACE:
        # At the brace itself, which a long text may hide; the file spells braces as the text does.
        braces = source.positions_in(path, _BRACES)
        rank = ctx["brace"].rank
        where = braces[rank] if rank < len(braces) else source.position(path)
        return Problem(source.file, where, _message(kind, value, ctx))
    return source.problem(path, _message(kind, value, ctx))


def _message(kind: str, value: Any, ctx: dict[str, Any]) -> str:
    found = _shown(value)
    wording = _MESSAGES.get(kind)
    return wording(found, ctx) if wording is not None else f"valeur invalide {found}"


def _bound(found: str, ctx: dict[str, Any]) -> str:
    if "ge" in ctx:
        return f"{found} est hors limites (au moins {ctx['ge']})"
    return f"{found} est hors limites (au plus {ctx['le']})"


def _placeholder(found: str, ctx: dict[str, Any]) -> str:
    names = ", ".join(f"{{{name}}}" for name in ctx["allowed"]) or "aucun"
    return f"{{{ctx['name']}}} n'est pas un mot remplaçable ici ; mots permis : {names}"


def _brace(found: str, ctx: dict[str, Any]) -> str:
    brace: BrokenBrace = ctx["brace"]
    name, allowed = brace.word, ctx["allowed"]
    if name in allowed and brace.spaced:
        return f"pas d'espace entre les accolades d'un mot remplaçable : écrivez {{{name}}}"
    if name in allowed and brace.opening:
        return f"accolade non refermée : « {{{name} » ; écrivez {{{name}}}"
    if name in allowed:
        return f"accolade fermante sans accolade ouvrante : « {name}}} » ; écrivez {{{name}}}"
    char = "{" if brace.opening else "}"
    words = ", ".join(f"{{{word}}}" for word in allowed)
    hint = f"mots remplaçables ici : {words}" if words else "aucun mot n'est remplaçable dans ce texte"
    return f"accolade « {char} » en trop : retirez-la ({hint})"


def _choices(expected: str) -> str:
    """pydantic's "'souple' or 'stricte'" as « souple » ou « stricte »."""
    values = re.findall(r"'((?:[^'\\]|\\.)*)'", expected) or [expected]
    quoted = [f"« {value} »" for value in values]
    return " ou ".join([", ".join(quoted[:-1]), quoted[-1]] if len(quoted) > 1 else quoted)


_Wording = Callable[[str, dict[str, Any]], str]

# Each kind of mistake, pydantic's and the model's own (model.Mistake), in the writer's words: `found` is the
# value as written, `ctx` what the error carries.
_MESSAGES: dict[str, _Wording] = {
    "string_type": lambda found, ctx: f"attendu : un texte, trouvé : {found} (mettez-le entre guillemets)",
    "bool_type": lambda found, ctx: f"attendu : true ou false, trouvé : {found}",
    "int_type": lambda found, ctx: f"attendu : un nombre entier, trouvé : {found}",
    "tuple_type": lambda found, ctx: f"attendu : une liste (lignes commençant par « - »), trouvé : {found}",
    "list_type": lambda found, ctx: f"attendu : une liste (lignes commençant par « - »), trouvé : {found}",
    "model_type": lambda found, ctx: f"attendu : des paires « clé: valeur », trouvé : {found}",
    "model_attributes_type": lambda found, ctx: f"attendu : des paires « clé: valeur », trouvé : {found}",
    "dict_type": lambda found, ctx: f"attendu : des paires « clé: valeur », trouvé : {found}",
    "string_too_short": lambda found, ctx: "ce texte ne doit pas être vide",
    "string_too_long": lambda found, ctx: f"ce texte est trop long ({ctx['max_length']} caractères au plus)",
    "too_short": lambda found, ctx: "cette liste ne doit pas être vide",
    "literal_error": lambda found, ctx: f"valeur {found} non permise ; valeurs permises : {_choices(ctx['expected'])}",
    "greater_than_equal": _bound,
    "less_than_equal": _bound,
    Mistake.ID: lambda found, ctx: (
        f"identifiant invalide {found} : lettres minuscules sans accents, chiffres et tirets uniquement"
    ),
    Mistake.DIGITS: lambda found, ctx: f"attendu : uniquement des chiffres, trouvé : {found}",
    Mistake.FEED_ID: lambda found, ctx: (
        f"attendu : un nom de domaine de la marque et une année, par exemple « ringover.com,2026 », trouvé : {found}"
    ),
    Mistake.DURATION: lambda found, ctx: (
        f"durée invalide {found} : écrivez par exemple « 4 heures », « 3 jours » ou « 2 semaines »"
    ),
    Mistake.PLACEHOLDER: _placeholder,
    Mistake.BRACE: _brace,
    Mistake.TIMEZONE: lambda found, ctx: f"fuseau horaire inconnu {found} (par exemple : Europe/Paris)",
    "date_type": lambda found, ctx: f"attendu : une date écrite AAAA-MM-JJ, sans guillemets, trouvé : {found}",
    Mistake.SOURCE: lambda found, ctx: (
        f"source {found} non reconnue : écrivez « article » (l'article source le dit) ou "
        "« confirmé le AAAA-MM-JJ par … » (l'équipe support l'a confirmé, à cette date)"
    ),
    Mistake.LANGUAGE: lambda found, ctx: f"code de langue invalide {found} : par exemple « fr », « en », « pt-BR »",
    Mistake.LANGUAGES: lambda found, ctx: (
        "le français, langue des textes sources, vient en premier dans « languages »"
        if ctx["reason"] == "first"
        else "une langue figure deux fois dans « languages »"
    ),
    Mistake.SOURCE_DATE: lambda found, ctx: f"date impossible « {ctx['date']} » dans {found} : écrivez-la AAAA-MM-JJ",
}


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
