"""What the installed theme, Material for MkDocs, can show: the languages it has words for."""

from __future__ import annotations

import re
from importlib.util import find_spec
from pathlib import Path

from kb_build.model.site import LANGUAGE_PATTERN, Site
from kb_build.source import Problem, Source


def theme_languages() -> frozenset[str] | None:
    """The codes of the installed Material's partials/languages/<code>.html (a build in any other language stops
    on a missing template); None without Material, as for the status service alone, which builds no page.
    Found without importing it: kb_build knows nothing of MkDocs."""
    spec = find_spec("material")
    for location in (spec and spec.submodule_search_locations) or ():
        folder = Path(location) / "templates" / "partials" / "languages"
        if folder.is_dir():
            return frozenset(path.stem for path in folder.glob("*.html"))
    return None


def check_languages(site: Site, source: Source) -> list[Problem]:
    known = theme_languages()
    if known is None:
        return []
    # Those site.yml can name (zh-Hant is not a code of the form it takes).
    accepted = ", ".join(sorted(code for code in known if re.match(LANGUAGE_PATTERN, code)))
    return [
        source.problem(
            ("languages", index, "code"),
            f"langue « {language.code} » inconnue du thème Material for MkDocs, qui n'a pas ses mots (boutons, "
            f"recherche) ; codes acceptés : {accepted}",
        )
        for index, language in enumerate(site.languages)
        if language.code not in known
    ]
