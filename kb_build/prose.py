"""The texts of a data file that people read, found through the model's field types, each with where it stands."""

from __future__ import annotations

import re
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from kb_build.model import Audience
from kb_build.model.fields import Fills, PlaceholderTexts
from kb_build.source import Path


@dataclass(frozen=True)
class Prose:
    path: Path
    text: str  # as the writer wrote it, before typography
    audience: Audience
    # The {names} the status service fills in it; None for a text it does not fill (a brace there is Markdown's).
    fills: frozenset[str] | None = None


def prose(schema: type[BaseModel], data: Any) -> Iterator[Prose]:
    """Every text of `data` (a parsed file, as the loader reads it) whose field in `schema` is read by a person."""
    yield from _walk(schema, data, ())


def _walk(schema: type[BaseModel], data: Any, path: Path) -> Iterator[Prose]:
    if not isinstance(data, dict):
        return
    filled = issubclass(schema, PlaceholderTexts)
    for name, field in schema.model_fields.items():
        if name in data:
            metadata = tuple(field.metadata)
            fills = next((item.names for item in metadata if isinstance(item, Fills)), frozenset()) if filled else None
            for found in _value(field.annotation, metadata, data[name], (*path, name)):
                yield Prose(found.path, found.text, found.audience, fills) if filled else found


def _value(annotation: Any, metadata: tuple[Any, ...], value: Any, path: Path) -> Iterator[Prose]:
    audience = next((item for item in metadata if isinstance(item, Audience)), None)
    if audience is not None:
        if isinstance(value, str):
            yield Prose(path, value, audience)
        return
    origin = get_origin(annotation)
    if origin is Annotated:
        inner, *more = get_args(annotation)
        yield from _value(inner, (*metadata, *more), value, path)
    elif origin in (Union, types.UnionType):
        for option in get_args(annotation):
            if option is not type(None):
                yield from _value(option, metadata, value, path)
    elif origin is tuple and isinstance(value, tuple):
        item = get_args(annotation)[0]
        for index, element in enumerate(value):
            yield from _value(item, (), element, (*path, index))
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield from _walk(annotation, value, path)


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """A word or phrase as a pattern: whole words, any case, any spacing between them (a folded line break)."""
    return re.compile(rf"(?<![\w-]){spaced_words(phrase)}(?![\w-])", re.IGNORECASE)


def spaced_words(phrase: str) -> str:
    return r"\s+".join(re.escape(word) for word in phrase.split())
