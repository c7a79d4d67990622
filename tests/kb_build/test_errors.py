"""Each kind of writer mistake is reported as data/FILE.yml:LINE:COL with a message, all at once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from kb_build import DataError, load
from kb_build import source as source_module
from kb_build.load import SHOWN_ERRORS
from kb_build.source import Position, Problem
from tests.conftest import run_kb

HERE = Path(__file__).parent
MINIMAL = HERE / "minimal"
CASES = sorted(path.name for path in (HERE / "errors").iterdir() if path.is_dir())


def data_with(tmp_path: Path, case: str | None = None) -> Path:
    """A copy of the minimal data set, with the broken files of `case` laid over it."""
    data = tmp_path / "data"
    shutil.copytree(MINIMAL, data)
    if case is not None:
        for broken in (HERE / "errors" / case).glob("*.yml"):
            shutil.copy(broken, data / broken.name)
        if (HERE / "errors" / case / "sources").is_dir():  # source articles the case quotes
            shutil.copytree(HERE / "errors" / case / "sources", data / "sources")
    return data


def test_minimal_data_is_valid(tmp_path: Path) -> None:
    kb = load(data_with(tmp_path))
    assert [step.id for step in kb.process.steps] == ["ouverture", "developpement", "cloture"]


@pytest.mark.parametrize("case", CASES)
def test_each_mistake_is_reported_where_it_is(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data_with(tmp_path, case)
    monkeypatch.chdir(tmp_path)
    expected = (HERE / "errors" / case / "expected.txt").read_text(encoding="utf-8").splitlines()
    with pytest.raises(DataError) as raised:
        load("data")
    assert raised.value.errors == expected


@pytest.mark.parametrize("case", CASES)
def test_pure_python_parser_gives_the_same_positions(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_with(tmp_path, case)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(source_module, "_Loader", yaml.SafeLoader)
    expected = (HERE / "errors" / case / "expected.txt").read_text(encoding="utf-8").splitlines()
    with pytest.raises(DataError) as raised:
        load("data")
    assert raised.value.errors == expected


def test_missing_and_unexpected_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = data_with(tmp_path)
    (data / "tracking.yml").rename(data / "suivi.yml")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError) as raised:
        load("data")
    assert raised.value.errors == [
        "data/tracking.yml:1:1: fichier manquant : il fait partie des données du site",
        "data/suivi.yml:1:1: fichier inattendu : les fichiers lus sont articles.yml, communication.yml, "
        "escalation.yml, glossary.yml, helpdesk.yml, incidents.yml, issue_types.yml, process.yml, site.yml, "
        "subscriptions.yml, timelines.yml, tracking.yml",
    ]


def test_check_command_reports_without_traceback(tmp_path: Path) -> None:
    data_with(tmp_path, "several-files")
    result = run_kb("check", "data", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        *(HERE / "errors" / "several-files" / "expected.txt").read_text(encoding="utf-8").splitlines(),
        "2 erreurs dans les données.",
    ]


def test_commitments_without_a_source_are_listed_as_warnings(tmp_path: Path) -> None:
    data_with(tmp_path)
    result = run_kb("check", "data", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    expected = (HERE / "warnings.txt").read_text(encoding="utf-8").splitlines()
    assert result.stderr.splitlines() == expected
    assert f"{len(expected)} engagements à confirmer" in result.stdout


def test_a_strict_publication_refuses_what_the_warnings_listed(tmp_path: Path) -> None:
    warnings = (HERE / "warnings.txt").read_text(encoding="utf-8").splitlines()
    strict = (HERE / "errors" / "strict" / "expected.txt").read_text(encoding="utf-8").splitlines()
    # The same places, each now an error.
    assert [line.split(": ", 1)[0] for line in warnings] == [line.split(": ", 1)[0] for line in strict]
    data_with(tmp_path, "strict")
    result = run_kb("check", "data", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines()[:-1] == strict


def test_check_command_accepts_the_default_data() -> None:
    result = run_kb("check")
    assert result.returncode == 0, result.stderr
    assert "données valides (6 étapes, 5 types de problèmes" in result.stdout


def test_a_flood_of_errors_is_cut_short_and_counted() -> None:
    problems = [Problem("data/process.yml", Position(line, 1), "clé inconnue") for line in range(1, 61)]
    report = DataError(problems).report()
    assert report[:SHOWN_ERRORS] == [str(problem) for problem in problems[:SHOWN_ERRORS]]
    assert report[SHOWN_ERRORS:] == ["… et 10 autres erreurs", "60 erreurs dans les données."]


def test_a_file_too_large_is_told_in_french_numbers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = data_with(tmp_path)
    with (data / "glossary.yml").open("a", encoding="utf-8") as file:
        file.write("# " + "x" * (2 * 1024 * 1024) + "\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError) as raised:
        load("data")
    assert raised.value.errors == [
        "data/glossary.yml:1:1: fichier trop volumineux (2,0 Mo, 2 Mo au plus) : est-ce le bon fichier ?"
    ]


def test_a_data_folder_that_is_not_one_is_said_once(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# Lisez-moi\n", encoding="utf-8")
    for folder, what in (("absent", "ce dossier n'existe pas"), ("README.md", "ce n'est pas un dossier")):
        advice = "indiquez le dossier des données (par défaut data/ ou $KB_DATA_DIR)"
        check = run_kb("check", folder, cwd=tmp_path)
        assert (check.returncode, check.stderr.splitlines()) == (1, [f"{folder} : {what} ; {advice}"])
        build = run_kb("build", "--data-dir", folder, "--site-dir", "site", cwd=tmp_path)
        assert (build.returncode, build.stderr.splitlines()) == (
            1,
            [f"{folder} : {what} ; {advice}", "Construction annulée : rien n'a été modifié."],
        )
    assert not (tmp_path / "site").exists()
