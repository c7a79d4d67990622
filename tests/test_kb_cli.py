"""`kb build` as a writer and an operator use it: strict, atomic, and the hook speaks the loader's words."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kb_build.settings import data_dir_set_to
from kb_build.site_folder import MARKER, MARKER_TEXT
from tests.conftest import BIN, ROOT, run_kb


def copy_data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    return data


def test_failed_build_leaves_the_previous_site_untouched(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("previous build", encoding="utf-8")
    data = copy_data(tmp_path)
    process = data / "process.yml"
    process.write_text(
        process.read_text(encoding="utf-8").replace("team: support\n", "team: inconnue\n", 1), encoding="utf-8"
    )

    result = run_kb("build", "--site-dir", str(site), "--data-dir", str(data))

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "process.yml:" in result.stderr and "« inconnue » n'est pas un identifiant d'équipe connu" in result.stderr
    assert (site / "index.html").read_text(encoding="utf-8") == "previous build"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "site"]  # no staging folder left behind


def test_successful_build_replaces_the_site(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / MARKER).write_text(MARKER_TEXT, encoding="utf-8")  # a site kb build made before
    (site / "stale.html").write_text("old", encoding="utf-8")
    result = run_kb("build", "--site-dir", str(site))
    assert result.returncode == 0, result.stderr
    assert (site / "index.html").exists() and not (site / "stale.html").exists()


def test_plain_mkdocs_build_aborts_with_the_same_messages(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    (data / "timelines.yml").write_text(
        (data / "timelines.yml").read_text(encoding="utf-8").replace("max: 5 jours", "max: cinq jours"),
        encoding="utf-8",
    )
    env = {**os.environ, "KB_DATA_DIR": str(data), "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [str(BIN / "mkdocs"), "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    output = result.stdout + result.stderr
    assert "timelines.yml:" in output and "durée invalide « cinq jours »" in output
    assert not (tmp_path / "site").exists()


def test_mkdocs_serve_watches_the_data_folder() -> None:
    from mkdocs.config import load_config

    config = load_config(str(ROOT / "mkdocs.yml"))
    assert str(ROOT / "data") in [str(Path(path)) for path in config.watch]
    assert config.hooks and "mkdocs_hook" in next(iter(config.hooks))


def test_writer_renames_a_step_and_every_page_follows(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    process = data / "process.yml"
    old, new = "Examen technique", "Analyse par l'équipe technique"
    text = process.read_text(encoding="utf-8")
    assert f"title: {old}\n" in text
    process.write_text(text.replace(f"title: {old}\n", f"title: {new}\n"), encoding="utf-8")
    site = tmp_path / "site"

    result = run_kb("build", "--site-dir", str(site), "--data-dir", str(data))

    assert result.returncode == 0, result.stderr
    pages = {page: page.read_text(encoding="utf-8") for page in site.rglob("*.html")}
    assert (
        new.replace("'", "&#39;") in pages[site / "processus" / "index.html"]
        or new in pages[site / "processus" / "index.html"]
    )
    assert not [page for page, html in pages.items() if old in html]
    assert old not in (site / "search" / "search_index.json").read_text(encoding="utf-8")


def test_the_hook_forgets_the_previous_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As under `mkdocs serve`: one process, the hook file loaded once, then one build per save of a data file.
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    data = copy_data(tmp_path)
    process = data / "process.yml"
    process.write_text(
        process.read_text(encoding="utf-8").replace("title: Examen technique\n", "title: Analyse technique\n"),
        encoding="utf-8",
    )
    for folder, site in ((ROOT / "data", "before"), (data, "after")):
        with data_dir_set_to(folder):
            build(load_config(str(ROOT / "mkdocs.yml"), site_dir=str(tmp_path / site)))
    before = (tmp_path / "before" / "processus" / "index.html").read_text(encoding="utf-8")
    after = (tmp_path / "after" / "processus" / "index.html").read_text(encoding="utf-8")
    assert "Examen technique" in before and "Analyse technique" not in before
    assert "Analyse technique" in after and "Examen technique" not in after


def test_kb_check_reads_the_folder_the_build_reads(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    (data / "process.yml").write_text("title: [\n", encoding="utf-8")
    result = run_kb("check", env={"KB_DATA_DIR": str(data)})
    assert result.returncode == 1
    assert "process.yml:" in result.stderr


def test_a_logo_that_is_not_there_stops_the_build_in_french(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    site_yml = data / "site.yml"
    site_yml.write_text(
        site_yml.read_text(encoding="utf-8").replace("logo: assets/images/logo.svg", "logo: assets/images/absent.svg"),
        encoding="utf-8",
    )
    result = run_kb("build", "--site-dir", str(tmp_path / "site"), "--data-dir", str(data))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "site.yml : le logo « assets/images/absent.svg » est introuvable" in result.stderr
    assert not (tmp_path / "site").exists()
