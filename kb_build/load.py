"""Load data/*.yml into one validated KnowledgeBase, or every problem found at once."""

from __future__ import annotations

import os
from pathlib import Path

from kb_build.model import FILES, KnowledgeBase, Record
from kb_build.references import check_references
from kb_build.source import Position, Problem, Source, parse
from kb_build.validate import check_file

# Past this many, more messages bury the first ones rather than help: the rest are counted.
SHOWN_ERRORS = 50
# Hundreds of times the size of the real files: a bigger one is a mistake, and would take long to read.
MAX_FILE_BYTES = 2 * 1024 * 1024


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


def load(data_dir: Path | str) -> KnowledgeBase:
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
                megabytes = f"{size / 2**20:.1f} Mo, {MAX_FILE_BYTES // 2**20} Mo au plus"
                message = f"fichier trop volumineux ({megabytes}) : est-ce le bon fichier ?"
                problems.append(Problem(shown, Position(1, 1), message))
                continue
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            problems.append(Problem(shown, Position(1, 1), "fichier manquant : il fait partie des données du site"))
            continue
        except (OSError, UnicodeDecodeError) as error:
            problems.append(Problem(shown, Position(1, 1), f"fichier illisible ({error}) : enregistrez-le en UTF-8"))
            continue
        source = sources[name] = parse(shown, text)
        if not source.problems:
            record = check_file(source, schema)
            if record is not None:
                records[name] = record
        problems.extend(source.problems)
    problems.extend(check_references(records, sources))
    problems.extend(_unexpected_files(data_dir))
    if problems:
        order = {f"{name}.yml": index for index, name in enumerate(FILES)}
        problems.sort(key=lambda p: (order.get(Path(p.file).name, len(order)), p.file, p.position.line))
        raise DataError(problems)
    return KnowledgeBase.model_validate(records)


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
