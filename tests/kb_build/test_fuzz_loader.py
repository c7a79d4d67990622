"""The YAML loader under mutation: random damage to the real data files ends in file:line:col errors, never worse.

Hypothesis cuts lines, swaps types, duplicates keys, breaks indentation, drops binary junk, inflates files and
plants alias bombs in copies of data/*.yml. Each load must finish within a time bound, and either succeed (some
edits are harmless) or raise DataError with every message placed as file:line:col. A sample goes through
`kb check` and `kb build` for real: exit status 1, no traceback, and the previous site left as it was.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kb_build import DataError, load
from kb_build.load import MAX_FILE_BYTES
from kb_build.model import FILES
from tests.conftest import ROOT, run_kb

DATA = ROOT / "data"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
EXPLORE = "FUZZ_EXAMPLES" in os.environ
# Far above what a real load takes (tens of milliseconds), far below a hang.
SECONDS_PER_LOAD = 10
LOCATED = re.compile(r"^(?P<file>[^:]+\.ya?ml):(?P<line>\d+):(?P<column>\d+): \S")

VALUES = [
    "[1, 2, 3]",
    "{a: 1, b: [x]}",
    "123",
    "-1.5e300",
    "true",
    "null",
    "~",
    '"texte"',
    "''",
    "2026-13-45",
    "2026-11-24T25:61:00+01:00",
    "1" + "0" * 5000,
    "!!binary AAAA",
    "!!python/object:os.system x",
    "&ancre valeur",
    "*ancre",
    "- élément",
    "|\n  bloc",
    "{",
    '"pas fermé',
    "\u200b",
    "a: b: c",
]
JUNK = st.binary(min_size=1, max_size=64)
BOMB = "\n".join(
    [
        "bombe0: &a0 [x, x, x, x, x, x, x, x, x, x]",
        *(f"bombe{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 9)),
    ]
)


@dataclass(frozen=True)
class Edit:
    kind: str
    at: float  # where in the file, as a fraction of its length
    size: int
    value: str = ""
    junk: bytes = b""

    def apply(self, text: bytes) -> bytes:
        lines = text.split(b"\n")
        line = min(int(self.at * len(lines)), len(lines) - 1)
        offset = int(self.at * len(text))
        match self.kind:
            case "cut_lines":
                del lines[line : line + self.size]
            case "truncate":
                return text[:offset]
            case "swap_type":
                key, colon, _ = lines[line].partition(b":")
                lines[line] = key + b": " + self.value.encode() if colon else self.value.encode()
            case "duplicate_line":
                lines[line:line] = [lines[line]] * self.size
            case "indent":
                lines[line] = b" " * self.size + lines[line]
            case "dedent":
                lines[line] = lines[line].lstrip(b" ")
            case "tab":
                lines[line] = b"\t" + lines[line]
            case "junk":
                return text[:offset] + self.junk + text[offset:]
            case "bomb":
                lines.append(BOMB.encode())
            case "deep":
                lines.append(b"profond: " + b"[" * self.size * 100 + b"]" * self.size * 100)
            case "huge":
                # Past the size limit: refused before it is read.
                return text + b"\n# " + b"x" * (MAX_FILE_BYTES + 1)
            case "long_list":
                # Under the size limit, but long: must still be read within the time bound.
                lines.append(b"longue_liste:")
                lines.extend([b"  - " + self.value.encode().replace(b"\n", b" ")] * (self.size * 250))
        return b"\n".join(lines)


EDITS = st.builds(
    Edit,
    kind=st.sampled_from(
        [
            "cut_lines",
            "truncate",
            "swap_type",
            "swap_type",
            "duplicate_line",
            "indent",
            "dedent",
            "tab",
            "junk",
            "bomb",
            "deep",
            "huge",
            "long_list",
        ]
    ),
    at=st.floats(0, 1, exclude_max=True),
    size=st.integers(1, 40),
    value=st.sampled_from(VALUES),
    junk=JUNK,
)
MUTATIONS = st.tuples(st.sampled_from(sorted(FILES)), st.lists(EDITS, min_size=1, max_size=3))


class TooSlow(Exception):
    pass


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise TooSlow(f"load() took more than {SECONDS_PER_LOAD} s")


@pytest.fixture(scope="module")
def data_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("data")
    for name in FILES:
        shutil.copy(DATA / f"{name}.yml", folder / f"{name}.yml")
    # The source article, which the data quotes word for word (kb check lets a quote keep its own words).
    shutil.copytree(DATA / "sources", folder / "sources")
    return folder


def mutate(folder: Path, name: str, edits: list[Edit]) -> Iterator[Path]:
    path = folder / f"{name}.yml"
    original = path.read_bytes()
    text = original
    for edit in edits:
        text = edit.apply(text)
    path.write_bytes(text)
    try:
        yield path
    finally:
        path.write_bytes(original)


def check_load(folder: Path) -> str:
    """load() ends in time, with a knowledge base or with located errors only; which of the two."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, SECONDS_PER_LOAD)
    try:
        load(folder)
        return "loaded (a harmless edit)"
    except DataError as error:
        assert error.errors
        for message in error.errors:
            where = LOCATED.match(message)
            assert where, f"not located: {message!r}"
            assert int(where["line"]) >= 1 and int(where["column"]) >= 1
            assert Path(where["file"]).name in {f"{name}.yml" for name in FILES}
        return "located errors"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_the_real_data_loads(data_copy: Path) -> None:
    load(data_copy)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=not EXPLORE,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
@given(mutation=MUTATIONS)
def test_damaged_data_ends_in_located_errors(data_copy: Path, mutation: tuple[str, list[Edit]]) -> None:
    name, edits = mutation
    for _ in mutate(data_copy, name, edits):
        event(check_load(data_copy))  # counted by --hypothesis-show-statistics


def _first_key_line(text: bytes) -> int:
    return next(i for i, line in enumerate(text.split(b"\n")) if re.match(rb"^[a-z_]+:", line))


@dataclass(frozen=True)
class AtFirstKey(Edit):
    """The same edits, aimed at the first top-level key, so that each one surely breaks the file."""

    def apply(self, text: bytes) -> bytes:
        lines = text.split(b"\n")
        at = (_first_key_line(text) + 0.5) / len(lines)
        return Edit(self.kind, at, self.size, self.value, self.junk).apply(text)


SAMPLE = {
    "cut lines": ("process", [AtFirstKey("cut_lines", 0, 200)]),
    "swapped type": ("timelines", [AtFirstKey("swap_type", 0, 1, "[1, 2, 3]")]),
    "duplicate key": ("site", [AtFirstKey("duplicate_line", 0, 1)]),
    "bad indentation": ("issue_types", [AtFirstKey("tab", 0, 1)]),
    "binary junk": ("articles", [Edit("junk", 0.5, 1, junk=b"\x00\xff\xfe\x01binaire")]),
    "huge file": ("escalation", [Edit("huge", 0, 1)]),
    "alias bomb": ("communication", [Edit("bomb", 0, 1)]),
    "impossible date": ("tracking", [AtFirstKey("swap_type", 0, 1, "2026-13-45")]),
}


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def previous_site(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("previous") / "site"
    shutil.copytree(built_site, site)
    return site


@pytest.mark.parametrize("case", list(SAMPLE))
def test_the_commands_report_damage_and_keep_the_site(data_copy: Path, previous_site: Path, case: str) -> None:
    name, edits = SAMPLE[case]
    before = _tree_digest(previous_site)
    for _ in mutate(data_copy, name, edits):
        check = run_kb("check", str(data_copy))
        build = run_kb("build", "--data-dir", str(data_copy), "--site-dir", str(previous_site))
    for result in (check, build):
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        located = [line for line in result.stderr.splitlines() if LOCATED.match(line)]
        assert located, result.stderr
    assert _tree_digest(previous_site) == before
