"""The field types the data files share (ids, texts, durations) and the typed mistakes they report."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any, Protocol, TypeVar

from pydantic import (
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


class Mistake(StrEnum):
    """The kinds of mistakes the model itself reports, beyond pydantic's own: validate.py words each one."""

    DURATION = "duration"
    PLACEHOLDER = "unknown_placeholder"
    TIMEZONE = "unknown_timezone"
    ID = "id_format"
    DIGITS = "digits_only"
    FEED_ID = "feed_id_format"


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

# Ids are short, stable, URL-safe slugs: they name pages and are stored in tickets.
Id = Annotated[str, Field(min_length=1, max_length=60), Matching(ID_PATTERN, Mistake.ID)]
Text = Annotated[str, Field(min_length=1)]
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


_PLACEHOLDER = re.compile(r"\{(\w*)\}")


@dataclass(frozen=True)
class Fills:
    """Annotated metadata on a text of PlaceholderTexts: the {names} the status service fills in it."""

    names: frozenset[str]

    def __init__(self, *names: str) -> None:
        object.__setattr__(self, "names", frozenset(names))


class PlaceholderTexts(Record):
    """Texts that the status service fills in: each may use only the {names} its `Fills(...)` lists, or none."""

    @field_validator("*")
    @classmethod
    def _known_placeholders(cls, value: str, info: ValidationInfo) -> str:
        field = cls.model_fields[str(info.field_name)]
        allowed = next((item.names for item in field.metadata if isinstance(item, Fills)), frozenset[str]())
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
