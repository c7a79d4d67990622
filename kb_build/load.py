"""Load data/*.yml into one validated KnowledgeBase, or every problem found at once."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kb_build.commitments import review
from kb_build.model import FILES, KnowledgeBase, Record
from kb_build.oserrors import reason
from kb_build.references import Checked, check_references
from kb_build.source import Position, Problem, Source, parse
from kb_build.terms import check_terms
from kb_build.theme import check_languages
from kb_build.translations import Translated, overlay_file, translate, validate
from kb_build.validate import check_file

# Past this many, more messages bury the first ones rather than help: the rest are counted.
SHOWN_ERRORS = 50
# Hundreds of times the size of the real files: a bigger one is a mistake, and would take long to read.
MAX_FILE_BYTES = 2 * 1024 * 1024
# The source articles, as the company published them: the help center may quote them word for word.
SOURCES_DIR = "sources"


class DataError(Exception):
    """The data files hold mistakes; `errors` lists them all as "file:line:column: message"."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        self.errors = [str(problem) for problem in problems]
        super().__init__("\n".join(self.report()))

    def report(self) -> list[str]:
        """The errors as shown to a writer: the first SHOWN_ERRORS, then how many more there are."""
        shown = self.errors[:SHOWN_ERRORS]
        hidden = len(self.errors) - len(shown)
        more = [f"… et {hidden} autre{'s' if hidden > 1 else ''} erreur{'s' if hidden > 1 else ''}"] if hidden else []
        total = len(self.errors)
        return [*shown, *more, f"{total} erreur{'s' if total > 1 else ''} dans les données."]


@dataclass(frozen=True)
class Loaded:
    kb: KnowledgeBase
    # Commitments without a source, as "file:line:column: message": kb check and kb build show them.
    warnings: tuple[Problem, ...] = ()
    # Missing and outdated translations (in data/<code>/): shown the same way; the pages show French instead.
    gaps: tuple[Problem, ...] = ()


def load(data_dir: Path | str) -> KnowledgeBase:
    return read(data_dir).kb


def read(data_dir: Path | str) -> Loaded:
    """The knowledge base and what a writer should still confirm; DataError with every mistake at once."""
    data_dir = Path(data_dir)
    problems: list[Problem] = []
    sources: dict[str, Source] = {}
    records: dict[str, Record] = {}
    for name, schema in FILES.items():
        path = data_dir / f"{name}.yml"
        shown = _shown(path)
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                megabytes = f"{size / 2**20:.1f}".replace(".", ",") + f" Mo, {MAX_FILE_BYTES // 2**20} Mo au plus"
                message = f"fichier trop volumineux ({megabytes}) : est-ce le bon fichier ?"
                problems.append(Problem(shown, Position(1, 1), message))
                continue
            raw = path.read_bytes()
            text = raw.decode("utf-8")
        except FileNotFoundError:
            problems.append(Problem(shown, Position(1, 1), "fichier manquant : il fait partie des données du site"))
            continue
        except UnicodeDecodeError as error:
            byte = f"0x{raw[error.start]:02x}"
            message = (
                f"octet {byte} invalide en UTF-8 (le fichier a sans doute été enregistré en Latin-1 ou Windows-1252) : "
                "enregistrez-le en UTF-8"
            )
            problems.append(Problem(shown, _byte_position(raw, error.start), message))
            continue
        except OSError as error:
            problems.append(Problem(shown, Position(1, 1), f"fichier illisible ({reason(error)})"))
            continue
        source = sources[name] = parse(shown, text)
        if not source.problems:
            record = check_file(source, schema)
            if record is not None:
                records[name] = record
        problems.extend(source.problems)
    problems.extend(check_references(records, sources))
    checked = Checked.of(records)
    if checked.site is not None:
        problems.extend(check_languages(checked.site, sources["site"]))
    if checked.glossary is not None:
        problems.extend(check_terms(checked.glossary, sources, _source_articles(data_dir)))
    commitments = review(checked, sources)
    problems.extend(commitments.errors)
    problems.extend(_unexpected_files(data_dir))
    if problems:
        raise DataError(_in_file_order(problems))
    kb = KnowledgeBase.model_validate(records)
    translated, gaps, mistakes = _translations(data_dir, kb, sources)
    strict = kb.site.translations == "stricte"
    if strict:
        mistakes += [
            Problem(gap.file, gap.position, f"refused by « translations: stricte » (site.yml): {gap.message}")
            for gap in gaps
        ]
    if mistakes:
        raise DataError(_in_file_order(mistakes))
    kb.set_translations(translated)
    return Loaded(kb, tuple(_in_file_order(commitments.warnings)), () if strict else tuple(_in_file_order(gaps)))


def _translations(
    data_dir: Path, kb: KnowledgeBase, sources: dict[str, Source]
) -> tuple[dict[str, KnowledgeBase], list[Problem], list[Problem]]:
    """The knowledge base in each other language of site.yml, its gaps, and the mistakes of its files."""
    result: dict[str, KnowledgeBase] = {}
    gaps: list[Problem] = []
    mistakes: list[Problem] = []
    for language in kb.site.language_codes()[1:]:
        records: dict[str, Record] = {}
        for name, schema in FILES.items():
            path = overlay_file(data_dir, language, name)
            shown = _shown(path)
            if not _readable(path, shown, mistakes):
                continue
            overlay = parse(shown, path.read_text(encoding="utf-8")) if path.is_file() else None
            translated: Translated = translate(sources[name], schema, overlay, missing_file=shown)
            gaps += translated.gaps
            record = validate(translated, schema, shown, language) if not translated.problems else None
            mistakes += translated.problems
            if record is not None:
                records[name] = record
        expected = {f"{name}.yml" for name in FILES}
        mistakes += [
            Problem(_shown(p), Position(1, 1), f"unexpected file: the files read are {', '.join(sorted(expected))}")
            for p in sorted((data_dir / language).glob("*.y*ml"))
            if p.name not in expected
        ]
        if len(records) == len(FILES):
            result[language] = KnowledgeBase.model_validate(records)
    return result, gaps, mistakes


def _readable(path: Path, shown: str, mistakes: list[Problem]) -> bool:
    """Whether a translation file can be read, or is missing (a gap, not a mistake); else the mistake is added."""
    try:
        if path.is_file() and path.stat().st_size > MAX_FILE_BYTES:
            mistakes.append(Problem(shown, Position(1, 1), "file too large: is it the right file?"))
            return False
        if path.is_file():
            raw = path.read_bytes()
            raw.decode("utf-8")
        return True
    except UnicodeDecodeError as error:
        message = f"byte 0x{raw[error.start]:02x} is not valid UTF-8 (saved as Latin-1 or Windows-1252?): save as UTF-8"
        mistakes.append(Problem(shown, _byte_position(raw, error.start), message))
        return False
    except OSError as error:
        mistakes.append(Problem(shown, Position(1, 1), f"unreadable file ({error.strerror or error})"))
        return False


def _byte_position(raw: bytes, offset: int) -> Position:
    """The line and column (in characters, as an editor counts them) of the byte at `offset`."""
    line_start = raw.rfind(b"\n", 0, offset) + 1
    column = len(raw[line_start:offset].decode("utf-8", errors="replace")) + 1
    return Position(raw.count(b"\n", 0, offset) + 1, column)


def _in_file_order(problems: list[Problem]) -> list[Problem]:
    order = {f"{name}.yml": index for index, name in enumerate(FILES)}
    return sorted(
        problems, key=lambda p: (order.get(Path(p.file).name, len(order)), p.file, p.position.line, p.position.column)
    )


def _source_articles(data_dir: Path) -> list[str]:
    folder = data_dir / SOURCES_DIR
    return [path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.txt"))] if folder.is_dir() else []


def _unexpected_files(data_dir: Path) -> list[Problem]:
    expected = {f"{name}.yml" for name in FILES}
    found = sorted(p for p in data_dir.glob("*.y*ml") if p.name not in expected)
    names = ", ".join(sorted(expected))
    return [Problem(_shown(p), Position(1, 1), f"fichier inattendu : les fichiers lus sont {names}") for p in found]


def _shown(path: Path) -> str:
    """The path as the writer knows it: relative to the current folder when inside it."""
    try:
        return os.path.relpath(path) if not os.path.relpath(path).startswith("..") else str(path)
    except ValueError:
        return str(path)
