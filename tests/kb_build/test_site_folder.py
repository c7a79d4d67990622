"""`kb build` replaces the site folder whole: only a new or empty folder, or a site it built before."""

from __future__ import annotations

import hashlib
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from kb_build.site_folder import MARKER, refusal
from tests.conftest import BIN, ROOT, run_kb

CONFIG = str(ROOT / "mkdocs.yml")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder holding a copy of the data, built with the repository's mkdocs.yml."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path


def build(project: Path, site: str) -> tuple[int, str]:
    result = run_kb("build", "--config-file", CONFIG, "--data-dir", "data", "--site-dir", site, cwd=project)
    assert "Traceback" not in result.stderr
    return result.returncode, result.stderr


def digest(folder: Path) -> str:
    hashed = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        hashed.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            hashed.update(path.read_bytes())
    return hashed.hexdigest()


def refused(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "avertissement" not in line]


def test_a_file_is_not_replaced(project: Path) -> None:
    (project / "README.md").write_text("# Lisez-moi\n", encoding="utf-8")
    status, stderr = build(project, "README.md")
    assert status == 1
    assert refused(stderr) == [
        "--site-dir README.md : ce chemin existe et n'est pas un dossier ; choisissez un autre dossier",
        "Construction annulée : rien n'a été modifié.",
    ]
    assert (project / "README.md").read_text(encoding="utf-8") == "# Lisez-moi\n"


def test_the_data_folder_and_the_folder_that_holds_it_are_not_replaced(project: Path) -> None:
    before = digest(project)
    status, stderr = build(project, "data")
    assert status == 1
    assert refused(stderr)[0] == (
        "--site-dir data : c'est le dossier des données (data), que la construction remplacerait ; "
        "choisissez un autre dossier"
    )
    status, stderr = build(project, str(project))
    assert status == 1
    assert refused(stderr)[0].startswith(f"--site-dir {project} : ce dossier contient le dossier des données (data)")
    assert digest(project) == before
    assert sorted(path.name for path in project.iterdir()) == ["data"]  # no staging folder left


def test_a_folder_of_other_files_is_not_replaced(project: Path) -> None:
    (project / "site").mkdir()
    (project / "site" / "notes.html").write_text("à garder", encoding="utf-8")
    status, stderr = build(project, "site")
    assert status == 1
    assert refused(stderr) == [
        "--site-dir site : ce dossier existe et n'est pas un site construit par kb build ; "
        "choisissez un autre dossier ou videz-le.",
        "Construction annulée : rien n'a été modifié.",
    ]
    assert [path.name for path in (project / "site").iterdir()] == ["notes.html"]


def test_a_previous_build_an_older_build_and_an_empty_folder_are_replaced(project: Path) -> None:
    site = project / "site"
    site.mkdir()
    assert build(project, "site")[0] == 0  # empty
    assert (site / MARKER).is_file()
    (site / "stale.html").write_text("ancien", encoding="utf-8")
    assert build(project, "site")[0] == 0  # marked as kb build's
    assert not (site / "stale.html").exists()
    # A site built before the marker existed: MkDocs' own output tells it.
    (site / MARKER).unlink()
    assert build(project, "site")[0] == 0
    assert (site / MARKER).is_file()
    assert sorted(path.name for path in project.iterdir()) == ["data", "site"]


def test_a_marker_does_not_make_a_working_copy_a_site(tmp_path: Path) -> None:
    for inside in (".git", "mkdocs.yml"):
        folder = tmp_path / inside.strip(".")
        folder.mkdir()
        (folder / inside).touch()
        (folder / MARKER).touch()
        (folder / "sitemap.xml").touch()
        assert refusal(folder, "x", ()) is not None, inside


def test_a_folder_that_cannot_be_made_is_said_in_french(project: Path) -> None:
    (project / "fichier").write_text("", encoding="utf-8")
    status, stderr = build(project, "fichier/site")
    assert status == 1
    assert refused(stderr) == [
        "--site-dir fichier/site : impossible d'y créer le site (un fichier de ce nom existe déjà) ; "
        "choisissez un dossier où vous pouvez écrire",
        "Construction annulée : rien n'a été modifié.",
    ]


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_the_site_has_the_mode_mkdir_gives(project: Path, umask: int) -> None:
    """Readable by a web server running as another user, as the umask allows (tempfile would give 0700)."""
    status, stderr = build_with_umask(project, umask)
    assert status == 0, stderr
    assert stat.S_IMODE((project / "site").stat().st_mode) == 0o777 & ~umask


def build_with_umask(project: Path, umask: int) -> tuple[int, str]:
    command = [str(BIN / "kb"), "build", "--config-file", CONFIG, "--data-dir", "data", "--site-dir", "site"]
    result = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=300, check=False, umask=umask)
    return result.returncode, result.stderr
