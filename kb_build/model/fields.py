"""The field types the data files share (ids, texts, durations) and the typed mistakes they report."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Any, Protocol, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from kb_build.typography import SOURCE_LANGUAGE, spaced


class Mistake(StrEnum):
    """The kinds of mistakes the model itself reports, beyond pydantic's own: validate.py words each one."""

    DURATION = "duration"
    PLACEHOLDER = "unknown_placeholder"
    TIMEZONE = "unknown_timezone"
    ID = "id_format"
    DIGITS = "digits_only"
    FEED_ID = "feed_id_format"
    SOURCE = "source_format"
    SOURCE_DATE = "source_date"
    LANGUAGE = "language_code"
    LANGUAGES = "languages_order"
    BRACE = "broken_brace"


def mistake(kind: Mistake, **context: Any) -> PydanticCustomError:
    """A typed validation error: validate.py reads `kind` and `context`, never the (English) message."""
    return PydanticCustomError(kind.value, kind.value, context)


@dataclass(frozen=True)
class Matching:
    """Annotated metadata: the string must match `pattern`, or it is refused as `kind`.

    pydantic's own `pattern` constraint reports every mismatch alike; this one says which rule was broken, and
    keeps the pattern in the JSON Schema for writers' editors.
    """

    pattern: str
    kind: Mistake

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        regex = re.compile(self.pattern)

        def check(value: str) -> str:
            if regex.search(value) is None:
                raise mistake(self.kind, pattern=self.pattern)
            return value

        return core_schema.no_info_after_validator_function(check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["pattern"] = self.pattern
        return json_schema


ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
DIGITS_PATTERN = r"^[0-9]+$"


@dataclass(frozen=True)
class Audience:
    """Annotated metadata: who reads a text. kb check holds customers' texts to the glossary (kb_build/terms.py)."""

    name: str


CUSTOMERS = Audience("customers")
# The short part for customers' tools (feeds, JSON): the technical words the glossary keeps out elsewhere are
# the point there.
TOOLS = Audience("tools")
# Words a writer lists for the build, never shown as such (the contact block's prompts): each language has its
# own, translated like any text.
WRITERS = Audience("writers")

# Ids are short, stable, URL-safe slugs: they name pages and are stored in tickets.
Id = Annotated[str, Field(min_length=1, max_length=60), Matching(ID_PATTERN, Mistake.ID)]


def language_of(info: ValidationInfo) -> str:
    """The language a file is validated in: French, unless the loader says otherwise (a translation, see
    kb_build/translations.py, is validated with context={"language": code})."""
    context = info.context
    return str(context.get("language", SOURCE_LANGUAGE)) if isinstance(context, dict) else SOURCE_LANGUAGE


def _spaced(value: str, info: ValidationInfo) -> str:
    return spaced(value, language_of(info))


# What a customer reads, spaced the way its language wants as it is loaded (French: the pages and the status
# service get it right without a writer typing a no-break space), and without any cost per request.
Text = Annotated[str, Field(min_length=1), AfterValidator(_spaced), CUSTOMERS]
ToolsText = Annotated[str, Field(min_length=1), AfterValidator(_spaced), TOOLS]
# Words each language has its own of, kept as written (no spacing: they are looked for in pages, not shown).
Words = Annotated[str, Field(min_length=1), WRITERS]
# Not prose: an address, a phone number, a file name, a writer's note; kept exactly as written.
Plain = Annotated[str, Field(min_length=1)]
Digits = Annotated[str, Matching(DIGITS_PATTERN, Mistake.DIGITS)]

_DURATION = re.compile(r"^\s*(\d+)\s*(heures?|jours?|semaines?)\s*$")
_UNIT_HOURS = {"heure": 1, "jour": 24, "semaine": 24 * 7}
DURATION_PATTERN = r"^\s*\d+\s*(heures?|jours?|semaines?)\s*$"


def parse_duration(value: object) -> object:
    """Turn "3 jours" into a timedelta; leave anything else to the type check."""
    if isinstance(value, timedelta) or not isinstance(value, str):
        return value
    match = _DURATION.match(value)
    if match is None:
        raise mistake(Mistake.DURATION)
    count, unit = int(match.group(1)), match.group(2).rstrip("s")
    return timedelta(hours=count * _UNIT_HOURS[unit])


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    WithJsonSchema({"type": "string", "pattern": DURATION_PATTERN, "examples": ["4 heures", "3 jours", "2 semaines"]}),
]


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class DataFile(Record):
    """A data file whose words reach the pages: the pages drawn from it show the latest such date."""

    updated: date = Field(description="When a customer last saw a change from this file (YYYY-MM-DD)")


# --- where a commitment comes from ---------------------------------------------------------------------------

_CONFIRMED = re.compile(r"^confirm[ée] le (\S+) par (\S.*)$", re.IGNORECASE)
SOURCE_PATTERN = r"^\s*(article|confirm[ée] le \d{4}-\d{2}-\d{2} par \S.*)$"


class Source(Record):
    """Where a commitment comes from: the source article, or the support team, who confirmed it on a date."""

    article: bool
    confirmed_on: date | None = None
    confirmed_by: str | None = None


def parse_source(value: object) -> object:
    """« article » or « confirmé le 2026-11-28 par … », as a writer types it, into a Source."""
    if isinstance(value, Source):
        return value
    if not isinstance(value, str):
        raise mistake(Mistake.SOURCE)
    text = " ".join(value.split())
    if text.lower() == "article":
        return Source(article=True)
    match = _CONFIRMED.match(text)
    if match is None:
        raise mistake(Mistake.SOURCE)
    try:
        day = date.fromisoformat(match.group(1))
    except ValueError:
        raise mistake(Mistake.SOURCE_DATE, date=match.group(1)) from None
    return Source(article=False, confirmed_on=day, confirmed_by=match.group(2))


SourceNote = Annotated[
    Source,
    BeforeValidator(parse_source),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": SOURCE_PATTERN,
            "examples": ["article", "confirmé le 2026-11-28 par la responsable du support"],
        }
    ),
]


class Sourced(Record):
    """A record that states a commitment (a delay, a cadence, a team, a rule): it says where it comes from.

    Without a source, the commitment is to be confirmed: kb check lists it, and what customers read presents it
    as what usually happens, never as a promise.
    """

    source: SourceNote | None = Field(
        None,
        description="« article » (the source article says so) or « confirmé le AAAA-MM-JJ par … » (the support "
        "team confirmed it); none while it is to be confirmed",
    )

    @property
    def confirmed(self) -> bool:
        """The article states it, or the support team confirmed it: it may be worded as a commitment."""
        return self.source is not None


class Statement(Sourced):
    """A sentence that commits the company (a closing rule, an alternative solution), and where it comes from."""

    text: Text


_PLACEHOLDER = re.compile(r"\{(\w*)\}")


@dataclass(frozen=True)
class Fills:
    """Annotated metadata on a text of PlaceholderTexts: the {names} the status service fills in it."""

    names: frozenset[str]

    def __init__(self, *names: str) -> None:
        object.__setattr__(self, "names", frozenset(names))


@dataclass(frozen=True)
class BrokenBrace:
    """A brace that is no part of a {name}: the `rank`-th brace of the text, the name by it, and whether that
    name is only kept from the brace by spaces (« { date } »)."""

    rank: int
    opening: bool
    word: str
    spaced: bool = False


def broken_brace(text: str) -> BrokenBrace | None:
    """The first brace of `text` outside a {name}: the service fills placeholders and shows any other brace
    as it is (« Ticket {reference »)."""
    placed = {at for match in _PLACEHOLDER.finditer(text) for at in (match.start(), match.end() - 1)}
    braces = [at for at, char in enumerate(text) if char in "{}"]
    for rank, at in enumerate(braces):
        if at in placed:
            continue
        if text[at] == "}":
            before = re.search(r"\w*$", text[:at])
            return BrokenBrace(rank, opening=False, word=before.group() if before else "")
        spaced = re.match(r"\s+(\w+)\s*\}", text[at + 1 :])
        if spaced:
            return BrokenBrace(rank, opening=True, word=spaced.group(1), spaced=True)
        after = re.match(r"\w*", text[at + 1 :])
        return BrokenBrace(rank, opening=True, word=after.group() if after else "")
    return None


class PlaceholderTexts(Record):
    """Texts that the status service fills in: each may use only the {names} its `Fills(...)` lists, or none."""

    @field_validator("*")
    @classmethod
    def _known_placeholders(cls, value: str, info: ValidationInfo) -> str:
        field = cls.model_fields[str(info.field_name)]
        allowed = next((item.names for item in field.metadata if isinstance(item, Fills)), frozenset[str]())
        broken = broken_brace(value)
        if broken is not None:
            raise mistake(Mistake.BRACE, brace=broken, allowed=tuple(sorted(allowed)))
        unknown = sorted(set(_PLACEHOLDER.findall(value)) - allowed)
        if unknown:
            raise mistake(Mistake.PLACEHOLDER, name=unknown[0], allowed=tuple(sorted(allowed)))
        return value


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


_T = TypeVar("_T", bound=_HasId)


def by_id(items: tuple[_T, ...], wanted: str) -> _T:
    for item in items:
        if item.id == wanted:
            return item
    raise KeyError(wanted)
