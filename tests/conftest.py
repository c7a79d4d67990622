"""Shared fixtures: the repository's paths, and the help center built for real once per session."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.postgres import Cluster, start_cluster

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run_kb(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real `kb` console script, as a writer would."""
    full_env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})}
    return subprocess.run(
        [str(BIN / "kb"), *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default data built by `kb build` (strict MkDocs) into a temporary folder."""
    site = tmp_path_factory.mktemp("site") / "site"
    result = run_kb("build", "--site-dir", str(site))
    assert result.returncode == 0, result.stderr
    return site


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """A throwaway PostgreSQL server for the session (tests/postgres.py); skipped without PostgreSQL, except in CI."""
    yield from start_cluster()


@pytest.fixture
def pg_url(pg_cluster: Cluster) -> str:
    """The URL of a database of its own for this test."""
    return pg_cluster.new_database()


class _TextOfMain(HTMLParser):
    """Collects the text inside a page's <article> (Material's content area), whitespace folded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "article" or self.depth:
            self.depth += 1 if tag not in _VOID else 0

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in _VOID:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def page_text(html: str) -> str:
    parser = _TextOfMain()
    parser.feed(html)
    return " ".join("".join(parser.parts).split())
