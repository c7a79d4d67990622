"""A wrong configuration stops `status-api serve` at once, with a message that says what to fix."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hardening.test_faults import needs_root, tmpfs
from tests.status_api.helpers import DATA, ROOT, TOKEN, free_port, status_api_command


def serve(**env: str) -> subprocess.CompletedProcess[str]:
    """The command as an operator runs it; it must exit by itself, without serving."""
    return subprocess.run(
        [status_api_command(), "serve", "--port", str(free_port())],
        env={**os.environ, "KB_DATA_DIR": str(DATA), "STATUS_API_TOKEN": TOKEN, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "db" / "status.sqlite3")


def refused(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr
    assert "Uvicorn running" not in result.stderr


def test_a_short_token(db: str) -> None:
    refused(serve(STATUS_API_DB=db, STATUS_API_TOKEN="court"), "STATUS_API_TOKEN", "16", "status-api token")


def test_a_missing_site_folder(db: str, tmp_path: Path) -> None:
    result = serve(STATUS_API_DB=db, STATUS_API_SITE_DIR=str(tmp_path / "nulle-part"))
    refused(result, "STATUS_API_SITE_DIR", "kb build")


def test_a_database_folder_that_cannot_be(tmp_path: Path) -> None:
    (tmp_path / "fichier").write_text("pas un dossier")
    refused(serve(STATUS_API_DB=str(tmp_path / "fichier" / "status.sqlite3")), "STATUS_API_DB", "fichier")


def test_a_database_path_that_is_a_folder(tmp_path: Path) -> None:
    refused(serve(STATUS_API_DB=str(tmp_path)), "STATUS_API_DB", "est un dossier")


@needs_root
def test_a_read_only_database_folder(tmp_path: Path) -> None:
    for mount in _read_only(tmp_path / "ro"):
        refused(serve(STATUS_API_DB=str(mount / "status.sqlite3")), "STATUS_API_DB", "écrire")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STATUS_API_LOOKUP_RATE", "dix par minute"),
        ("STATUS_API_MISS_RATE", "0/hour"),
        ("STATUS_API_TRUSTED_PROXIES", "mon-proxy"),
        ("STATUS_API_HSTS", "peut-être"),
        ("STATUS_API_LOG_LEVEL", "bavard"),
    ],
)
def test_a_setting_that_cannot_be_read(db: str, name: str, value: str) -> None:
    refused(serve(STATUS_API_DB=db, **{name: value}), name, value)


def _read_only(folder: Path) -> Iterator[Path]:
    with tmpfs(folder, "1m") as mount:
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        yield mount
