"""A language the theme has no words for is refused by kb check, where site.yml names it, not by a failed build."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import material

from kb_build.model.site import LANGUAGE_PATTERN
from tests.conftest import ROOT, run_kb

# What the installed Material ships, read here independently of kb_build.
SHIPPED = sorted(path.stem for path in (Path(material.__file__).parent / "templates/partials/languages").glob("*.html"))


def test_a_language_unknown_to_material_is_refused_at_its_code(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    site = tmp_path / "data" / "site.yml"
    text = site.read_text(encoding="utf-8")
    line = text.splitlines().index("  - code: en") + 1
    site.write_text(text.replace("  - code: en\n", "  - code: xx\n"), encoding="utf-8")
    result = run_kb("check", "data", cwd=tmp_path)
    assert result.returncode == 1
    accepted = ", ".join(code for code in SHIPPED if re.match(LANGUAGE_PATTERN, code))
    assert result.stderr.splitlines() == [
        f"data/site.yml:{line}:11: langue « xx » inconnue du thème Material for MkDocs, qui n'a pas ses mots "
        f"(boutons, recherche) ; codes acceptés : {accepted}",
        "1 erreur dans les données.",
    ]
    assert "en" in SHIPPED and "pt-BR" in accepted


def test_a_language_material_ships_passes(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    site = tmp_path / "data" / "site.yml"
    site.write_text(site.read_text(encoding="utf-8").replace("  - code: en\n", "  - code: eo\n"), encoding="utf-8")
    result = run_kb("check", "data", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
