"""The texts of the other languages: data/<code>/<file>.yml beside each French file, read over it.

A translation file has the shape of its French file, holding only the texts a person reads (the fields the model
types as Text), each as the translated text and the short hash of the French text it was translated from:

    title:
      text: How a ticket moves forward
      source_hash: 3f2a9b1c

Lists whose items have an `id` are matched by id (each translated item repeats it); other lists by position.
Everything else (ids, delays, sources, addresses) comes from the French file: one structure, texts per language.

A text with no translation is a gap: the French text stands in for it. A translation whose `source_hash` is no
longer the French text's hash is outdated: the French text changed after it was translated. Both are warnings,
errors when site.yml asks for « translations: stricte ». The messages about these files are in English, the
language translators share.
"""

from __future__ import annotations

import hashlib
import re
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from kb_build.model import Audience, Record
from kb_build.model.fields import BrokenBrace, broken_brace
from kb_build.prose import prose
from kb_build.source import Path as DataPath
from kb_build.source import Position, Problem, Source
from kb_build.typography import SOURCE_LANGUAGE, spaced

TEXT_KEY = "text"
HASH_KEY = "source_hash"
_PLACEHOLDER = re.compile(r"\{(\w*)\}")
_BRACES = re.compile(r"[{}]")


def source_hash(text: str) -> str:
    """The short hash of a French text, as a translation keeps it: 8 hex digits, blind to how lines are folded."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:8]


@dataclass
class Translated:
    """One file in one language: the French data with the translated texts laid over it, and what is wrong."""

    data: Any
    # Missing or outdated translations: warnings, or errors with « translations: stricte ».
    gaps: list[Problem] = field(default_factory=list)
    # Mistakes in the translation file itself (a key that is no text of the French file, a lost placeholder).
    problems: list[Problem] = field(default_factory=list)


def translate(french: Source, schema: type[Record], overlay: Source | None, *, missing_file: str = "") -> Translated:
    """`french` (parsed, valid) with the texts of `overlay` (parsed, or None when the file does not exist, then
    named by `missing_file`) over it."""
    result = Translated(data=french.data)
    texts = list(prose(schema, french.data))
    if overlay is None:
        if texts:
            count = len(texts)
            result.gaps.append(
                Problem(
                    missing_file,
                    Position(1, 1),
                    f"missing file: none of the {count} text{'s' if count > 1 else ''} of {french.file} is "
                    "translated (the pages show them in French)",
                )
            )
        data = _thaw(french.data)
        for text in texts:
            _set(data, text.path, spaced(text.text, SOURCE_LANGUAGE))
        result.data = _freeze(data)
        return result
    if overlay.problems:
        result.problems.extend(overlay.problems)
        return result
    used: set[DataPath] = set()
    data = _thaw(french.data)
    for text in texts:
        shown = f"{french.file}:{_where(french, text.path)}"
        found, at = _find(french.data, overlay.data, text.path, used)
        if found is None:
            result.gaps.append(
                overlay.problem(
                    at,
                    f"missing translation of {_dotted(french.data, text.path)} ({shown}: {_quote(text.text)}, "
                    f"source_hash: {source_hash(text.text)})",
                )
            )
            _set(data, text.path, spaced(text.text, SOURCE_LANGUAGE))
            continue
        path = at
        translated = _entry(overlay, found, path, result.problems)
        if translated is None:
            _set(data, text.path, spaced(text.text, SOURCE_LANGUAGE))
            continue
        value, recorded = translated
        expected = source_hash(text.text)
        if recorded != expected:
            result.gaps.append(
                overlay.problem(
                    (*path, HASH_KEY),
                    f"outdated translation: the French text changed after it was translated ({shown} now reads "
                    f"{_quote(text.text)}); update the translation, then write source_hash: {expected}",
                )
            )
        # In a text the service fills, any brace but a placeholder's would show as it is. (Elsewhere a brace can
        # be Markdown's, as in « {: .note} ».)
        broken = broken_brace(value) if text.fills is not None else None
        if broken is not None:
            braces = overlay.positions_in((*path, TEXT_KEY), _BRACES)
            where = braces[broken.rank] if broken.rank < len(braces) else overlay.position((*path, TEXT_KEY))
            result.problems.append(Problem(overlay.file, where, _brace(broken, text.fills or frozenset())))
            continue
        lost = sorted(set(_PLACEHOLDER.findall(text.text)) ^ set(_PLACEHOLDER.findall(value)))
        if lost:
            names = ", ".join(f"{{{name}}}" for name in sorted(set(_PLACEHOLDER.findall(text.text)))) or "none"
            result.problems.append(
                overlay.problem(
                    (*path, TEXT_KEY), f"{{{lost[0]}}}: keep the French text's placeholders as they are ({names})"
                )
            )
            continue
        _set(data, text.path, value)
    result.problems.extend(_unexpected(overlay, overlay.data, (), used, french.file))
    result.data = _freeze(data)
    return result


def _brace(broken: BrokenBrace, allowed: frozenset[str]) -> str:
    """What is wrong with a brace of a translation, where the service fills the {names} `allowed`."""
    name = broken.word
    if name in allowed and broken.spaced:
        return f"no spaces inside a placeholder's braces: write {{{name}}}"
    if name in allowed and broken.opening:
        return f"brace never closed: « {{{name} »; write {{{name}}}"
    if name in allowed:
        return f"closing brace without an opening one: « {name}}} »; write {{{name}}}"
    words = ", ".join(f"{{{word}}}" for word in sorted(allowed))
    hint = f"placeholders here: {words}" if words else "this text has no placeholder"
    return f"stray brace « {'{' if broken.opening else '}'} »: remove it ({hint})"


def validate(translated: Translated, schema: type[Record], overlay_file: str, language: str) -> Record | None:
    """The file's record in `language`; None, with a problem added, in the unlikely case the texts do not fit."""
    try:
        return schema.model_validate(translated.data, context={"language": language})
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        translated.problems.append(Problem(overlay_file, Position(1, 1), f"{where}: {first['msg']}"))
        return None


def overlay_file(data_dir: Path, language: str, name: str) -> Path:
    """Where the texts of data/<name>.yml in `language` are."""
    return data_dir / language / f"{name}.yml"


# --- walking the two files side by side ----------------------------------------------------------------------


def _find(french: Any, overlay: Any, path: DataPath, used: set[DataPath]) -> tuple[Any, DataPath]:
    """The overlay's entry for the French text at `path`, and its path in the overlay; (None, the deepest path
    found) when the overlay has none. Marks the keys it went through as used."""
    here_fr, here_ov = french, overlay
    at: DataPath = ()
    for part in path:
        if isinstance(part, int):
            item = here_fr[part]
            if not isinstance(here_ov, tuple):
                return None, at
            index = _matching_item(item, here_ov, part)
            if index is None:
                return None, at
            at = (*at, index)
            if isinstance(item, dict) and "id" in item:
                used.add((*at, "id"))
            here_fr, here_ov = item, here_ov[index]
        else:
            if not isinstance(here_ov, dict) or part not in here_ov:
                return None, at
            at = (*at, part)
            here_fr, here_ov = here_fr[part], here_ov[part]
    used.add(at)
    return here_ov, at


def _matching_item(item: Any, items: tuple[Any, ...], index: int) -> int | None:
    if isinstance(item, dict) and "id" in item:
        return next(
            (i for i, other in enumerate(items) if isinstance(other, dict) and other.get("id") == item["id"]), None
        )
    return index if index < len(items) else None


def _entry(overlay: Source, entry: Any, path: DataPath, problems: list[Problem]) -> tuple[str, str] | None:
    """(text, source_hash) of a translated text, or None with the mistake added to `problems`."""
    if not isinstance(entry, dict):
        problems.append(
            overlay.problem(path, f"expected « {TEXT_KEY}: » and « {HASH_KEY}: » under this key, found a plain value")
        )
        return None
    for key in entry:
        if key not in (TEXT_KEY, HASH_KEY):
            problems.append(
                overlay.problem(
                    (*path, key), f"unknown key « {key} »: a translated text has {TEXT_KEY} and {HASH_KEY}", key=True
                )
            )
    text, recorded = entry.get(TEXT_KEY), entry.get(HASH_KEY)
    if recorded is not None and not isinstance(recorded, str):  # 12345678 or 1e345678 read as a number
        recorded = _as_written(overlay, (*path, HASH_KEY))
    if not isinstance(text, str) or not text.strip():
        problems.append(overlay.problem((*path, TEXT_KEY), f"« {TEXT_KEY}: » must be a text, not empty"))
        return None
    if not isinstance(recorded, str) or re.fullmatch(r"[0-9a-f]{8}", recorded) is None:
        problems.append(
            overlay.problem(
                (*path, HASH_KEY) if HASH_KEY in entry else path,
                f"« {HASH_KEY}: » must be the 8 hex digits kb check gives for the French text",
            )
        )
        return None
    return text, recorded


def _as_written(source: Source, path: DataPath) -> str:
    start, end = source.values.get(path), source.ends.get(path)
    if start is None or end is None or start.line != end.line:
        return ""
    return source.text.splitlines()[start.line - 1][start.column - 1 : end.column - 1].strip("\"'")


def _unexpected(overlay: Source, value: Any, path: DataPath, used: set[DataPath], french_file: str) -> list[Problem]:
    """What the overlay holds beyond the translations of the French file's texts (a typo, a stale entry), named
    once at the highest key or item that translates nothing."""
    if path in used:
        return []
    if path and not any(other[: len(path)] == path for other in used):
        shown = _dotted(overlay.data, path)
        return [
            overlay.problem(
                path,
                f"« {shown} » is no text of {french_file} (a misspelt key, an id or an item that does not exist "
                "there, or a value that is not translated, such as an id or a delay): remove it",
                key=isinstance(path[-1], str),
            )
        ]
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, tuple) else ()
    return [found for key, inner in children for found in _unexpected(overlay, inner, (*path, key), used, french_file)]


def _thaw(value: Any) -> Any:
    """A parsed file's values (dicts and tuples) as dicts and lists, to lay texts over in place."""
    if isinstance(value, dict):
        return {key: _thaw(inner) for key, inner in value.items()}
    if isinstance(value, tuple):
        return [_thaw(inner) for inner in value]
    return value


def _freeze(value: Any) -> Any:
    """Back to the loader's shape: sequences as tuples (the model's strict mode takes nothing else)."""
    if isinstance(value, dict):
        return {key: _freeze(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return tuple(_freeze(inner) for inner in value)
    return value


def _set(data: Any, path: DataPath, value: str) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def _where(source: Source, path: DataPath) -> str:
    at = source.position(path)
    return f"{at.line}:{at.column}"


def _dotted(data: Any, path: DataPath) -> str:
    """steps[reception].title: a text's place in its file, items named by their id when they have one."""
    shown, here = "", data
    for part in path:
        if isinstance(part, int):
            here = here[part]
            shown += f"[{here['id']}]" if isinstance(here, dict) and "id" in here else f"[{part + 1}]"
        else:
            shown += ("." if shown else "") + part
            here = here[part]
    return shown


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return f"« {text[:60]}{'…' if len(text) > 60 else ''} »"


# --- the JSON Schema of a translation file, for writers' editors (kb schema) ----------------------------------

_TEXT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The translated text, and the short hash of the French text it was translated from",
    "properties": {
        TEXT_KEY: {"type": "string", "minLength": 1},
        # 12345678 unquoted is a number for YAML: taken as written (see _as_written).
        HASH_KEY: {"type": ["string", "number"], "pattern": "^[0-9a-f]{8}$"},
    },
    "required": [TEXT_KEY, HASH_KEY],
    "additionalProperties": False,
}


def translation_schema(schema: type[Record]) -> dict[str, Any] | None:
    """The JSON Schema of a translation file of `schema`'s data file: its texts only; None when it has none."""
    return _type_schema(schema, ())


def _type_schema(annotation: Any, metadata: tuple[Any, ...]) -> dict[str, Any] | None:
    if any(isinstance(item, Audience) for item in metadata):
        return _TEXT_SCHEMA
    origin = get_origin(annotation)
    if origin is Annotated:
        inner, *more = get_args(annotation)
        return _type_schema(inner, (*metadata, *more))
    if origin in (Union, types.UnionType):
        options = (_type_schema(option, metadata) for option in get_args(annotation) if option is not type(None))
        return next((found for found in options if found is not None), None)
    if origin is tuple:
        items = _type_schema(get_args(annotation)[0], ())
        return {"type": "array", "items": items} if items is not None else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        properties: dict[str, Any] = {}
        for name, item in annotation.model_fields.items():
            found = _type_schema(item.annotation, tuple(item.metadata))
            if found is not None:
                properties[name] = found
        if not properties:
            return None
        if "id" in annotation.model_fields:
            properties = {"id": {"type": "string", "description": "The id of the French item"}, **properties}
        return {"type": "object", "properties": properties, "additionalProperties": False}
    return None
