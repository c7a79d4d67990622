"""The data folder is read in one place: kb_build.settings.data_dir."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kb_build.settings import DATA_DIR_ENV, data_dir, data_dir_set_to


def test_the_variable_wins_when_set() -> None:
    assert data_dir({DATA_DIR_ENV: " /srv/aide/data "}, root=Path("/ailleurs")) == Path("/srv/aide/data")


def test_otherwise_data_beside_the_root_or_here() -> None:
    assert data_dir({}, root=Path("/srv/aide")) == Path("/srv/aide/data")
    assert data_dir({DATA_DIR_ENV: "  "}) == Path("data")


def test_a_build_given_a_folder_sees_it_and_leaves_the_environment_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    with data_dir_set_to(Path("/tmp/donnees")):
        assert data_dir() == Path("/tmp/donnees")
    assert DATA_DIR_ENV not in os.environ
    monkeypatch.setenv(DATA_DIR_ENV, "/avant")
    with data_dir_set_to(Path("/pendant")):
        assert data_dir() == Path("/pendant")
    assert os.environ[DATA_DIR_ENV] == "/avant"
