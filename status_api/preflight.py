"""What `status-api serve` checks before it starts, so that a wrong setting stops it at once with a clear message."""

from __future__ import annotations

import tempfile
from pathlib import Path

from kb_build.csp import HASHES_FILE
from status_api.auth import token_problem
from status_api.config import Settings


def problems(settings: Settings) -> list[str]:
    """What makes these settings unusable, in French, one line each; empty when the service can start."""
    found = []
    weak = token_problem(settings.token) if settings.token is not None else None
    if weak is not None:
        found.append(weak)
    if settings.site_dir is not None and not settings.site_dir.is_dir():
        found.append(
            f"STATUS_API_SITE_DIR : {settings.site_dir} n'est pas un dossier (construisez le site d'abord : kb build)"
        )
    database = _database_folder_problem(settings.db_path)
    if database:
        found.append(database)
    return found


def warnings(settings: Settings) -> list[str]:
    """What works, but not as well as it should."""
    if settings.site_dir is not None and settings.site_dir.is_dir() and not (settings.site_dir / HASHES_FILE).exists():
        return [
            f"{settings.site_dir / HASHES_FILE} is missing: the site's inline scripts are blocked by the CSP; "
            "rebuild the site with kb build"
        ]
    return []


def _database_folder_problem(db_path: Path) -> str | None:
    folder = db_path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # SQLite writes the -wal and -shm files beside the database: the folder itself must take new files.
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        return (
            f"STATUS_API_DB : impossible d'écrire dans le dossier {folder} ({error.strerror}) ; la base et ses "
            "fichiers -wal et -shm y sont créés. Choisissez un dossier où le service peut écrire."
        )
    if db_path.is_dir():
        return f"STATUS_API_DB : {db_path} est un dossier ; indiquez un fichier, par exemple var/status.sqlite3."
    return None
