"""Read one YAML file into plain values, remembering where each value and key stands."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

# libyaml's parser when it is there (much faster), the pure-Python one otherwise:
# both give the same nodes and the same marks.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True)
class Problem:
    """A mistake in one file, at a 1-based line and column."""

    file: str
    position: Position
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.position.line}:{self.position.column}: {self.message}"


@dataclass
class Source:
    """A parsed file: its values (mappings as dicts, sequences as tuples) and their positions."""

    file: str
    data: Any = None
    values: dict[Path, Position] = field(default_factory=dict)
    keys: dict[Path, Position] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    text: str = ""
    # Where each scalar ends, so that a word inside a long text can be pointed at (see positions_in).
    ends: dict[Path, Position] = field(default_factory=dict)

    def position(self, path: Path, *, key: bool = False) -> Position:
        """Where `path` stands, or its nearest ancestor that does."""
        if key and path in self.keys:
            return self.keys[path]
        while path not in self.values and path:
            path = path[:-1]
        return self.values.get(path, Position(1, 1))

    def problem(self, path: Path, message: str, *, key: bool = False) -> Problem:
        return Problem(self.file, self.position(path, key=key), message)

    def positions_in(self, path: Path, pattern: re.Pattern[str]) -> list[Position]:
        """Where each match of `pattern` stands inside the text at `path`, as the file spells it (a folded text
        keeps its line breaks there: the pattern should take any whitespace between words)."""
        start, end = self.values.get(path), self.ends.get(path)
        if start is None or end is None:
            return []
        rows = self.text.splitlines(keepends=True)
        offsets = [0]
        for row in rows:
            offsets.append(offsets[-1] + len(row))

        def offset(at: Position) -> int:
            return offsets[min(at.line, len(rows)) - 1] + at.column - 1

        found = []
        for match in pattern.finditer(self.text, offset(start), offset(end)):
            at = match.start()
            found.append(Position(self.text.count("\n", 0, at) + 1, at - self.text.rfind("\n", 0, at)))
        return found


def _syntax_problem(file: str, error: yaml.MarkedYAMLError, text: str) -> Problem:
    """PyYAML's complaint, reworded for the mistakes writers make most; libyaml and the pure-Python parser word
    (and sometimes place) them differently, so both wordings are read."""
    problem, context = error.problem or "", error.context or ""
    mark = error.problem_mark or error.context_mark
    where = Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)
    start = error.context_mark
    before = _char_at(text, Position(where.line, where.column - 1)) if where.column > 1 else ""
    if "unknown escape character" in problem:
        # At the backslash (the pure-Python parser points at the letter after it).
        if _char_at(text, where) != "\\":
            where = Position(where.line, where.column - 1)
        escape = _char_at(text, where) + _char_at(text, Position(where.line, where.column + 1))
        message = (
            f"« {escape} » n'est pas un échappement permis entre guillemets doubles : mettez le texte entre "
            "apostrophes ('…'), ou écrivez \\\\ pour une barre oblique inverse"
        )
    elif "quoted scalar" in context and start is not None:
        # Point at the quote that was never closed, not at the end of the file.
        where = Position(start.line + 1, start.column + 1)
        message = "guillemet ouvert ici mais jamais refermé"
    elif ("did not find expected key" in problem or "expected <block end>" in problem) and before in ("'", '"'):
        # The text went on after its closing quote: a quote of the same kind inside it ended it there.
        where = Position(where.line, where.column - 1)
        if before == "'":
            message = (
                "une apostrophe dans un texte entre apostrophes le termine : mettez le texte entre guillemets "
                "doubles (\"…\"), ou écrivez l'apostrophe deux fois ('')"
            )
        else:
            message = (
                'un guillemet double dans un texte entre guillemets doubles le termine : écrivez « \\" » pour '
                "chacun, ou mettez le texte entre apostrophes"
            )
    elif ("flow sequence" in context or "flow mapping" in context) and start is not None:
        where = Position(start.line + 1, start.column + 1)
        bracket = _char_at(text, where)
        message = (
            f"« {bracket} » ouvert ici mais jamais refermé : un texte qui commence par « {bracket} » se met entre "
            "guillemets"
        )
    elif "mapping values are not allowed" in problem:
        message = "« : » inattendu : mettez entre guillemets un texte qui contient « : », ou vérifiez l'indentation"
    elif "could not find expected ':'" in problem:
        message = "« : » attendu après la clé, ou indentation décalée"
    elif "tab character" in problem or ("cannot start any token" in problem and _char_at(text, where) == "\t"):
        message = "tabulation interdite : indentez avec des espaces"
    elif "cannot start any token" in problem:
        message = f"un texte ne peut pas commencer par « {_char_at(text, where)} » : mettez-le entre guillemets"
    elif "sequence entries are not allowed" in problem:
        message = (
            "« - » inattendu ici : une liste commence à la ligne suivante, un élément par ligne (« - … »), "
            "ou, pour un texte qui commence par « - », mettez-le entre guillemets"
        )
    elif "found another document" in problem:
        message = "« --- » commence un second document : un fichier de données n'en a qu'un ; supprimez cette ligne"
    elif "expected <block end>" in problem or "did not find expected" in problem:
        message = "indentation incohérente : alignez cette ligne sur les clés de même niveau"
    elif "found undefined alias" in problem:
        message = "les ancres et alias YAML (& et *) ne sont pas acceptés : écrivez la valeur en entier"
    else:
        message = problem or context
    return Problem(file, where, f"syntaxe YAML invalide : {message}")


def _char_at(text: str, where: Position) -> str:
    lines = text.splitlines()
    if where.line > len(lines):
        return ""
    return lines[where.line - 1][where.column - 1 : where.column]


def _position(node: Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


def parse(file: str, text: str) -> Source:
    source = Source(file, text=text)
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        source.problems.append(_syntax_problem(file, error, text))
        return source
    except yaml.reader.ReaderError as error:  # a control character: not a text file, or a stray byte
        offset = error.position
        where = Position(text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset))
        source.problems.append(Problem(file, where, "caractère interdit (caractère de contrôle) : supprimez-le"))
        return source
    if root is None:
        source.problems.append(Problem(file, Position(1, 1), "le fichier est vide"))
        return source
    if not isinstance(root, MappingNode):
        source.problems.append(Problem(file, _position(root), "le fichier doit contenir des paires « clé: valeur »"))
        return source
    source.data = _Converter(source).convert(root, ())
    return source


class _Converter:
    def __init__(self, source: Source) -> None:
        self.source = source
        self.seen: set[int] = set()
        self.scalars = SafeConstructor()

    def convert(self, node: Node, path: Path) -> Any:
        # An alias hands back a node already seen: refusing it keeps files plain and
        # stops "billion laughs" documents before they expand.
        if id(node) in self.seen:
            self.fail(node, "les ancres et alias YAML (& et *) ne sont pas acceptés : écrivez la valeur en entier")
            return None
        self.seen.add(id(node))
        self.source.values[path] = _position(node)
        if isinstance(node, MappingNode):
            return self.mapping(node, path)
        if isinstance(node, SequenceNode):
            return tuple(self.convert(item, (*path, index)) for index, item in enumerate(node.value))
        assert isinstance(node, ScalarNode)
        self.source.ends[path] = Position(node.end_mark.line + 1, node.end_mark.column + 1)
        try:
            return self.scalars.construct_object(node, deep=True)
        except yaml.YAMLError as error:
            problem = str(getattr(error, "problem", None) or error)
            if "could not determine a constructor" in problem:
                tag = node.tag.replace("tag:yaml.org,2002:", "!!")
                problem = (
                    f"l'étiquette YAML « {tag} » n'est pas acceptée : supprimez-la, ou mettez entre guillemets "
                    "un texte qui commence par « ! »"
                )
            self.fail(node, f"valeur illisible : {problem}")
            return None
        except (ValueError, OverflowError):  # 2026-13-45, or a number of thousands of digits
            self.fail(node, "valeur illisible : date impossible ou nombre trop long ; mettez un texte entre guillemets")
            return None

    def mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                self.fail(key_node, "une clé doit être un simple mot, par exemple « title: »")
                continue
            key = str(key_node.value)
            key_path = (*path, key)
            if key in result:
                first = self.source.keys[key_path]
                self.fail(key_node, f"clé « {key} » en double (déjà présente ligne {first.line}) : gardez-en une seule")
                continue
            self.source.keys[key_path] = _position(key_node)
            result[key] = self.convert(value_node, key_path)
        return result

    def fail(self, node: Node, message: str) -> None:
        self.source.problems.append(Problem(self.source.file, _position(node), message))
