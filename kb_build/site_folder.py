"""Where `kb build` may put the site: a new or empty folder, or one it built before; never the writers' files."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from kb_build.oserrors import reason

# Written into every site kb build makes: the proof that a folder is one it may replace whole.
MARKER = ".kb-build"
MARKER_TEXT = "Site construit par kb build, qui remplace ce dossier entier à chaque construction.\n"
# What MkDocs writes into every site: how a site built before the marker existed is recognised.
MKDOCS_OUTPUT = ("sitemap.xml", "search/search_index.json")
# Found in a project or a working copy, never in a built site: such a folder is not replaced, marker or not.
NEVER_IN_A_SITE = (".git", "mkdocs.yml")


def refusal(site_dir: Path, shown: str, keep: Iterable[tuple[Path, str]]) -> str | None:
    """Why kb build must not replace `site_dir` (given as `shown`), or None; `keep` is what must outlive the build,
    each with the words that name it."""
    where = site_dir.resolve()
    for path, name in keep:
        if where == path.resolve() or where in path.resolve().parents:
            what = f"c'est {name}" if where == path.resolve() else f"ce dossier contient {name}"
            return f"--site-dir {shown} : {what}, que la construction remplacerait ; choisissez un autre dossier"
    if not where.exists():
        return None
    if not where.is_dir():
        return f"--site-dir {shown} : ce chemin existe et n'est pas un dossier ; choisissez un autre dossier"
    try:
        entries = set(os.listdir(where))
    except OSError as error:
        return f"--site-dir {shown} : dossier illisible ({reason(error)}) ; choisissez un autre dossier"
    if not entries or (not entries & set(NEVER_IN_A_SITE) and _built(where)):
        return None
    return (
        f"--site-dir {shown} : ce dossier existe et n'est pas un site construit par kb build ; "
        "choisissez un autre dossier ou videz-le."
    )


def _built(folder: Path) -> bool:
    return (folder / MARKER).is_file() or all((folder / name).is_file() for name in MKDOCS_OUTPUT)


def staging_for(site_dir: Path) -> Path:
    """A new folder beside `site_dir` to build into, with the mode mkdir gives (mkdtemp's 0700 would hide the
    site from a web server running as another user); OSError when it cannot be made."""
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.new-", dir=site_dir.parent))
    mask = os.umask(0)  # the one way to read it: set it, then put it back at once
    os.umask(mask)
    staging.chmod(0o777 & ~mask)
    return staging


def swap(staging: Path, site_dir: Path) -> None:
    """Put the built site in place of `site_dir`, marked as kb build's; OSError leaves the previous site there."""
    (staging / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    old = None
    if site_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.old-", dir=site_dir.parent))
        try:
            site_dir.rename(old / site_dir.name)
        except OSError:
            old.rmdir()
            raise
    try:
        staging.rename(site_dir)
    except OSError:
        if old is not None:
            (old / site_dir.name).rename(site_dir)
            old.rmdir()
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
