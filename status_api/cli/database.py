"""The database opened for a command: when it cannot be, a French reason saying what to do, and psycopg's
retries kept out of the way."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from status_api.config import Settings, system_reason
from status_api.domain.errors import DomainError, StoreBusy
from status_api.domain.store import Store
from status_api.storage import open_store
from status_api.storage.sqlite.schema import NewerSchema

# What SQLite says (its messages are fixed English strings), and what to tell the operator instead.
_SQLITE = {
    "file is not a database": "ce fichier n'est pas une base SQLite ; indiquez le fichier de la base (par exemple "
    "var/status.sqlite3) ou un chemin où la créer",
    "malformed": "la base est endommagée ; restaurez-la d'une sauvegarde",
    "readonly": "la base est en lecture seule ; donnez au service le droit d'écrire dans le fichier et son dossier",
    "unable to open": "le fichier ne peut être ouvert ; vérifiez qu'il existe et que le service peut le lire",
    "locked": "la base est verrouillée par un autre processus depuis plus de 5 s ; réessayez, ou arrêtez-le",
    "disk i/o": "le disque ne répond pas (erreur d'entrée-sortie) ; vérifiez le disque ou le montage",
    "full": "le disque est plein ; libérez de la place",
}
# What PostgreSQL says of a wrong address or setup (in English unless the server's lc_messages says otherwise,
# hence its SQLSTATE codes too), and what to tell the operator instead.
_POSTGRES = (
    ("password authentication failed", "28P01", "PostgreSQL refuse ce mot de passe ; vérifiez celui de l'adresse"),
    ('role "', "", "cet utilisateur n'existe pas sur le serveur ; créez-le (createuser) ou corrigez son nom"),
    ("pg_hba.conf", "28000", "PostgreSQL refuse cet utilisateur depuis cette machine ; vérifiez pg_hba.conf"),
    ('database "', "3D000", "cette base n'existe pas sur le serveur ; créez-la (createdb) ou corrigez son nom"),
    ("too many", "53300", "le serveur n'accepte plus de connexions (max_connections atteint) ; réessayez plus tard"),
    ("permission denied", "42501", "cet utilisateur n'a pas le droit de créer les tables du service dans cette base"),
    ("resolve host", "", "le nom du serveur est inconnu ; vérifiez l'hôte de l'adresse"),
    ("translate host name", "", "le nom du serveur est inconnu ; vérifiez l'hôte de l'adresse"),
)
_UNREACHABLE = "aucune connexion à PostgreSQL en 5 s : vérifiez l'adresse, le port et que le serveur tourne"


def opened(settings: Settings, *, recent_updates: int) -> Store:
    """The store STATUS_API_DB names, or Failed with the reason it cannot be used."""
    from status_api.cli.common import Failed

    with _retries_held() as retries:
        try:
            return open_store(settings, recent_updates=recent_updates)
        except (DomainError, sqlite3.Error, OSError) as error:
            retries.clear()  # said in French below: the pool's English attempts would only bury it
            reason = _reason(error, retries.causes) if settings.db_url else _sqlite_reason(error)
            raise Failed(f"STATUS_API_DB : {settings.database} : base de données inutilisable : {reason}.") from None


def must_exist(settings: Settings) -> None:
    """Failed unless STATUS_API_DB names a SQLite file that is there (a PostgreSQL database is never created
    by the service: its server says when it does not exist)."""
    from status_api.cli.common import Failed

    path = settings.db_path
    if settings.db_url is None and not path.is_file():
        what = "est un dossier" if path.is_dir() else "n'existe pas"
        raise Failed(
            f"STATUS_API_DB : la base {path} {what} ; rien n'a été fait. Indiquez le fichier de la base du service "
            "(status-api serve et status-api import le créent ; make run, dans var/status.sqlite3)."
        )


class _Held(logging.Handler):
    """The pool's warnings while the store opens: replayed once it has, dropped when it cannot."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.causes: list[BaseException] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        args = record.args if isinstance(record.args, tuple) else ()
        self.causes += [arg for arg in args if isinstance(arg, BaseException)]

    def clear(self) -> None:
        self.records.clear()


@contextmanager
def _retries_held() -> Iterator[_Held]:
    pool = logging.getLogger("psycopg.pool")
    held = _Held()
    propagate = pool.propagate
    pool.addHandler(held)
    pool.propagate = False
    try:
        yield held
    finally:
        pool.removeHandler(held)
        pool.propagate = propagate
        for record in held.records:
            pool.handle(record)


def _sqlite_reason(error: BaseException) -> str:
    if isinstance(error, NewerSchema):
        return _NEWER
    if isinstance(error, OSError):
        return system_reason(error)
    if isinstance(error.__cause__, OSError):
        return system_reason(error.__cause__)
    text = str(error).lower()
    for words, reason in _SQLITE.items():
        if words in text:
            return reason
    return f"SQLite l'a refusée ({error})"


_NEWER = "elle a été mise à jour par une version plus récente du service ; installez cette version ou une plus récente"


def _reason(error: BaseException, causes: list[BaseException]) -> str:
    if isinstance(error, NewerSchema):
        return _NEWER
    # The reason of a pool that never connected is in the attempts it logged; of a failed migration, the cause.
    for cause in [error.__cause__, *reversed(causes)]:
        if cause is None:
            continue
        state = getattr(cause, "sqlstate", None)
        text = str(cause).lower()
        for words, code, reason in _POSTGRES:
            if words in text or (state and state == code):
                return reason
    if isinstance(error, StoreBusy):
        return "la base est verrouillée depuis plus de 5 s par une autre instance ; réessayez"
    if causes or "timeout" in str(error):
        return _UNREACHABLE
    return f"PostgreSQL l'a refusée ({error})"
