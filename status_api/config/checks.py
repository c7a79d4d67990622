"""What `status-api serve` checks before it starts: a wrong setting stops it at once, saying in French what to
fix."""

from __future__ import annotations

import errno
import re
import tempfile
from collections.abc import Collection
from pathlib import Path

from kb_build.csp import HASHES_FILE
from status_api.config.settings import Settings

# `status-api token` prints 43 characters drawn from 64; a shorter token is within reach of guessing.
MIN_TOKEN_LENGTH = 32
# Printable ASCII without spaces: what an Authorization header carries intact, whatever the client.
_PRINTABLE = re.compile(r"[\x21-\x7e]+")
# Words and runs people reach for when they make a token up; what is left of a token once they are taken out
# is what an attacker has to guess.
_GUESSABLE = re.compile(
    r"password|passwd|motdepasse|secret|token|jeton|changeme|admin|root|support|ringover|letmein|welcome|bienvenue"
    r"|azerty|qwerty|0123456789|123456789|12345678|abcdefgh|test",
    re.IGNORECASE,
)
_MIN_DISTINCT = 10
_MIN_UNGUESSABLE = 24
# A webhook's signing secret: whoever captures one signed delivery can try secrets offline, as fast as HMAC runs.
# Zendesk's are 44 characters; `openssl rand -hex 32` gives 64.
MIN_SECRET_LENGTH = 24
_SECRETS = {
    "STATUS_API_ZENDESK_SECRET": "copiez celui que Zendesk affiche (Centre d'administration, Webhooks, le webhook, "
    "Révéler le secret)",
    "STATUS_API_HOOK_SECRET": "« openssl rand -hex 32 » en génère un sûr",
}


def problems(settings: Settings, unread: Collection[str] = ()) -> list[str]:
    """What makes these settings unusable, in French, one line each; empty when the service can start. The
    variables of `unread` could not be read (their own message says why): nothing is checked, or made, of them."""
    found = []
    weak = token_problem(settings.token) if settings.token is not None else None
    if weak is not None:
        found.append(weak)
    for name, secret in (("STATUS_API_ZENDESK_SECRET", settings.zendesk_secret),
                         ("STATUS_API_HOOK_SECRET", settings.hook_secret)):  # fmt: skip
        if secret is not None and (len(secret) < MIN_SECRET_LENGTH or len(set(secret)) < _MIN_DISTINCT):
            found.append(
                f"{name} : ce secret est trop court ou trop simple pour signer des envois (au moins "
                f"{MIN_SECRET_LENGTH} caractères variés) : qui intercepte un envoi signé pourrait le retrouver ; "
                f"{_SECRETS[name]}."
            )
    if settings.site_dir is not None and not settings.site_dir.is_dir():
        found.append(
            f"STATUS_API_SITE_DIR : {settings.site_dir} n'est pas un dossier (construisez le site d'abord : kb build)"
        )
    unusable = "STATUS_API_DB" in unread or settings.db_url is not None
    database = None if unusable else _database_folder_problem(settings.db_path)
    if database:
        found.append(database)
    mail_unread = {"STATUS_API_SMTP_URL", "STATUS_API_PUBLIC_URL"} & set(unread)
    if settings.smtp is not None and settings.public_url is None and not mail_unread:
        found.append(
            "STATUS_API_SMTP_URL demande STATUS_API_PUBLIC_URL : les liens des e-mails (confirmer, se désabonner) "
            "doivent mener au service ; indiquez son adresse publique, par exemple https://suivi.example.com."
        )
    return found


def warnings(settings: Settings) -> list[str]:
    """What works, but not as well as it should."""
    if settings.site_dir is not None and settings.site_dir.is_dir() and not (settings.site_dir / HASHES_FILE).exists():
        return [
            f"{settings.site_dir / HASHES_FILE} is missing: the site's inline scripts are blocked by the CSP; "
            "rebuild the site with kb build"
        ]
    return []


def token_problem(token: str) -> str | None:
    """Why this token must not be used, in French; None when it is good enough."""
    advice = "« status-api token » en affiche un sûr."
    if not _PRINTABLE.fullmatch(token):
        return (
            "STATUS_API_TOKEN : le jeton ne doit contenir que des caractères ASCII visibles (ni espace, ni accent, "
            f"ni caractère spécial hors ASCII) : un client HTTP ne pourrait pas toujours l'envoyer tel quel. {advice}"
        )
    if len(token) < MIN_TOKEN_LENGTH:
        return (
            f"STATUS_API_TOKEN : le jeton compte {len(token)} caractères, il en faut au moins {MIN_TOKEN_LENGTH}. "
            + advice
        )
    if len(set(token)) < _MIN_DISTINCT or len(_GUESSABLE.sub("", token)) < _MIN_UNGUESSABLE:
        return (
            "STATUS_API_TOKEN : ce jeton est trop facile à deviner (un caractère répété, un mot courant, une suite "
            f"comme 123456…). {advice}"
        )
    return None


def _database_folder_problem(db_path: Path) -> str | None:
    folder = db_path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # SQLite writes the -wal and -shm files beside the database: the folder itself must take new files.
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        return (
            f"STATUS_API_DB : impossible d'écrire dans le dossier {folder} : {system_reason(error)} ; la base et "
            "ses fichiers -wal et -shm y sont créés. Choisissez un dossier où le service peut écrire."
        )
    if db_path.is_dir():
        return f"STATUS_API_DB : {db_path} est un dossier ; indiquez un fichier, par exemple var/status.sqlite3."
    return None


# The system's reasons (its strerror is English), for a file or a folder.
_SYSTEM = {
    errno.ENOENT: "le dossier n'existe pas et ne peut être créé",
    errno.ENOTDIR: "un élément du chemin est un fichier, pas un dossier",
    errno.EACCES: "le service n'en a pas le droit (propriétaire ou droits du dossier)",
    errno.EPERM: "le service n'en a pas le droit (propriétaire ou droits du dossier)",
    errno.EROFS: "le système de fichiers est en lecture seule",
    errno.ENOSPC: "le disque est plein",
    errno.EDQUOT: "le quota de disque est atteint",
    errno.EISDIR: "le chemin est un dossier, pas un fichier",
    errno.EIO: "le disque ne répond pas (erreur d'entrée-sortie)",
}


def system_reason(error: OSError) -> str:
    """Why the system refused, in French."""
    code = errno.errorcode.get(error.errno or 0, str(error.errno))
    return _SYSTEM.get(error.errno or 0, f"le système le refuse (erreur {code})")
