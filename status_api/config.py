"""Settings of the service, read from the environment with safe defaults."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from urllib.parse import unquote, urlsplit

from kb_build.csp import HASHES_FILE
from kb_build.settings import data_dir
from status_api.domain.outbox import normalised_address

Network = IPv4Network | IPv6Network


_UNITS = {"s": 1, "second": 1, "seconde": 1, "min": 60, "minute": 60, "h": 3600, "hour": 3600, "heure": 3600}
_UNITS |= {"d": 86400, "day": 86400, "jour": 86400}
_RATE = re.compile(r"(\d+)\s*/\s*([a-z]+?)s?")


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """'10/minute', '100/hour', '5/s': a count per unit of time."""
        match = _RATE.fullmatch(text.strip().lower())
        if match is None or match.group(2) not in _UNITS or int(match.group(1)) < 1:
            raise ValueError(text)
        return cls(int(match.group(1)), _UNITS[match.group(2)])

    @property
    def per_second(self) -> float:
        return self.count / self.seconds

    def __str__(self) -> str:
        unit = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}.get(self.seconds, f"{self.seconds}s")
        return f"{self.count}/{unit}"


@dataclass(frozen=True)
class Limits:
    # Every lookup: `burst` at once, then `lookups` steadily.
    lookups: Rate = Rate(10, 60)
    burst: int = 5
    # Lookups that find nothing: at most `misses.count` at once, refilled at that rate. Reaching it refuses
    # every lookup of the client, found or not, so that a refusal never tells whether an ID exists.
    misses: Rate = Rate(100, 3600)
    # Clients remembered at once; past it the least recently seen is forgotten (its budget starts afresh).
    max_clients: int = 50_000


@dataclass(frozen=True)
class Smtp:
    """The mail server e-mails leave through (STATUS_API_SMTP_URL); `tls`: smtps://, TLS from the first byte."""

    host: str
    port: int
    tls: bool = False
    user: str | None = None
    password: str | None = field(default=None, repr=False)


class ConfigError(ValueError):
    """A setting that cannot be used; the message, in French, names the variable and what it expects."""


@dataclass(frozen=True)
class Settings:
    db_path: Path = Path("var/status.sqlite3")
    # STATUS_API_DB=postgresql://…: the PostgreSQL store, shared by several instances (db_path is then unused).
    db_url: str | None = None
    # None means writes are refused: the service never runs with an open write API.
    token: str | None = None
    site_dir: Path | None = None
    cors_origins: tuple[str, ...] = ()
    data_dir: Path = Path("data")
    # The public lookup's protections (see http/budgets.py and http/middleware/timing.py); None lifts the rate limits.
    limits: Limits | None = field(default_factory=Limits)
    trusted_proxies: tuple[Network, ...] = ()
    lookup_floor: float = 0.02
    hsts: bool = False
    # Recent lookup answers kept in memory (see lookup_cache.py); 0 keeps none.
    lookup_cache: int = 4096
    # The service's own log lines; "debug" adds one line per lookup, its call ID masked.
    log_level: str = "info"
    # Where customers reach the service (https://suivi.example.com): absolute links in the feed and e-mails
    # come from here, never from a request's Host header. None: the feed's links are relative to the site root.
    public_url: str | None = None
    # What one client can hold of the server (see server.py): bytes of request head, seconds to send it and
    # the body, and connections at once.
    max_header_bytes: int = 16 * 1024
    header_timeout: float = 10.0
    body_timeout: float = 10.0
    max_connections: int = 1000
    # Database connections the service keeps open at most (SQLite: for reads; writes take turns on one).
    db_pool: int = 8
    # The signing secret of the Zendesk webhook; None: the webhook route writes nothing and says so.
    zendesk_secret: str | None = None
    # The secret of the generic webhook (other helpdesks); None: that route writes nothing and says so.
    hook_secret: str | None = None
    # For the backfill (status-api zendesk sync): the account's address and an agent's API token.
    zendesk_url: str | None = None
    zendesk_email: str | None = None
    zendesk_api_token: str | None = None
    # Where e-mails to subscribers leave (STATUS_API_SMTP_URL); None: e-mail subscriptions are off (the form is
    # not shown, no e-mail is made; links of e-mails already sent still unsubscribe).
    smtp: Smtp | None = None
    # The From address of those e-mails (STATUS_API_MAIL_FROM); by default etat-du-service@ the public host.
    mail_from: str | None = None
    # Failed deliveries in a row that switch a webhook off (STATUS_API_WEBHOOK_FAILURES).
    webhook_failures: int = 10

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        token = env.get("STATUS_API_TOKEN", "").strip()
        site_dir = env.get("STATUS_API_SITE_DIR", "").strip()
        origins = env.get("STATUS_API_CORS_ORIGINS", "")
        return cls(
            db_path=_db_path(env) or cls.db_path,
            db_url=_db_url(env),
            token=token or None,
            site_dir=Path(site_dir) if site_dir else None,
            cors_origins=tuple(o.strip().rstrip("/") for o in origins.split(",") if o.strip()),
            data_dir=data_dir(env),
            limits=_limits(env),
            trusted_proxies=tuple(_network(p.strip()) for p in env.get(_PROXIES, "").split(",") if p.strip()),
            lookup_floor=_integer(env, "STATUS_API_LOOKUP_FLOOR_MS", 20, maximum=5000) / 1000,
            hsts=_switch(env, "STATUS_API_HSTS", False),
            lookup_cache=_integer(env, "STATUS_API_LOOKUP_CACHE", 4096, maximum=1_000_000),
            log_level=_choice(env, "STATUS_API_LOG_LEVEL", LOG_LEVELS, cls.log_level),
            public_url=_public_url(env),
            max_header_bytes=_integer(
                env, "STATUS_API_MAX_HEADER_BYTES", cls.max_header_bytes, minimum=1024, maximum=1024 * 1024
            ),
            header_timeout=_integer(env, "STATUS_API_HEADER_TIMEOUT", int(cls.header_timeout), minimum=1, maximum=300),
            body_timeout=_integer(env, "STATUS_API_BODY_TIMEOUT", int(cls.body_timeout), minimum=1, maximum=300),
            max_connections=_integer(
                env, "STATUS_API_MAX_CONNECTIONS", cls.max_connections, minimum=10, maximum=100_000
            ),
            db_pool=_integer(env, "STATUS_API_DB_POOL", cls.db_pool, minimum=1, maximum=200),
            zendesk_secret=env.get("STATUS_API_ZENDESK_SECRET", "").strip() or None,
            hook_secret=env.get("STATUS_API_HOOK_SECRET", "").strip() or None,
            zendesk_url=env.get("STATUS_API_ZENDESK_URL", "").strip().rstrip("/") or None,
            zendesk_email=env.get("STATUS_API_ZENDESK_EMAIL", "").strip() or None,
            zendesk_api_token=env.get("STATUS_API_ZENDESK_API_TOKEN", "").strip() or None,
            smtp=_smtp(env),
            mail_from=_mail_from(env),
            webhook_failures=_integer(
                env, "STATUS_API_WEBHOOK_FAILURES", cls.webhook_failures, minimum=1, maximum=1000
            ),
        )

    @property
    def database(self) -> str:
        """The database as messages name it: the file, or the URL without its password."""
        return _without_password(self.db_url) if self.db_url else str(self.db_path)

    @property
    def sender_address(self) -> str:
        """The From address of e-mails: STATUS_API_MAIL_FROM, else etat-du-service@ the public host."""
        host = urlsplit(self.public_url).hostname if self.public_url else None
        return self.mail_from or f"etat-du-service@{host or 'localhost'}"

    @property
    def form_origins(self) -> frozenset[str]:
        """Origins, besides the service's own, whose pages may post the lookup form: the help center's."""
        public = [_origin(self.public_url)] if self.public_url else []
        return frozenset([*self.cors_origins, *public])


_PROXIES = "STATUS_API_TRUSTED_PROXIES"
# A value that starts like a URL (scheme://) names a database server, not a file.
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
POSTGRES_SCHEMES = ("postgresql", "postgres")


def _db_url(env: Mapping[str, str]) -> str | None:
    value = env.get("STATUS_API_DB", "").strip()
    if not _URL.match(value):
        return None
    scheme = value.split("://", 1)[0].lower()
    if scheme not in POSTGRES_SCHEMES:
        raise ConfigError(
            f"STATUS_API_DB : « {_without_password(value)} » : le schéma « {scheme}:// » n'est pas pris en charge ; "
            "indiquez le chemin d'un fichier SQLite (par exemple var/status.sqlite3) ou une adresse PostgreSQL "
            "(postgresql://utilisateur@hôte:5432/base)."
        )
    parts = urlsplit(value)
    if not parts.hostname and "host=" not in parts.query:
        raise ConfigError(
            f"STATUS_API_DB : « {_without_password(value)} » ne nomme aucun serveur ; écrivez par exemple "
            "postgresql://utilisateur@hôte:5432/base."
        )
    return value


def _db_path(env: Mapping[str, str]) -> Path | None:
    value = env.get("STATUS_API_DB", "").strip()
    return Path(value) if value and not _URL.match(value) else None


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


LOG_LEVELS = ("debug", "info", "warning", "error")


def _limits(env: Mapping[str, str]) -> Limits | None:
    if not _switch(env, "STATUS_API_RATE_LIMIT", True):
        return None
    default = Limits()
    return Limits(
        lookups=_rate(env, "STATUS_API_LOOKUP_RATE", default.lookups),
        burst=_integer(env, "STATUS_API_LOOKUP_BURST", default.burst, minimum=1),
        misses=_rate(env, "STATUS_API_MISS_RATE", default.misses),
        max_clients=_integer(env, "STATUS_API_RATE_LIMIT_CLIENTS", default.max_clients, minimum=100),
    )


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "on", "true", "yes", "oui"):
        return True
    if value in ("0", "off", "false", "no", "non"):
        return False
    raise ConfigError(f"{name} : « {value} » n'est pas compris ; écrivez on ou off.")


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    value = env.get(name, "").strip().lower()
    if not value:
        return default
    if value not in choices:
        raise ConfigError(f"{name} : « {value} » n'est pas compris ; écrivez " + ", ".join(choices) + ".")
    return value


def _integer(env: Mapping[str, str], name: str, default: int, *, minimum: int = 0, maximum: int = 10**9) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or not minimum <= int(value) <= maximum:
        raise ConfigError(f"{name} : « {value} » n'est pas un nombre entier entre {minimum} et {maximum}.")
    return int(value)


def _rate(env: Mapping[str, str], name: str, default: Rate) -> Rate:
    value = env.get(name, "").strip()
    try:
        return Rate.parse(value) if value else default
    except ValueError:
        raise ConfigError(
            f"{name} : « {value} » n'est pas un débit ; écrivez un nombre par unité de temps, "
            "par exemple 10/minute ou 100/hour (second, minute, hour, day)."
        ) from None


def _network(value: str) -> Network:
    try:
        network = ip_network(value, strict=False)
    except ValueError:
        raise ConfigError(
            f"{_PROXIES} : « {value} » n'est pas une adresse IP ni un réseau (par exemple 10.0.0.1 ou 10.0.0.0/8)."
        ) from None
    if too_wide(network):
        raise ConfigError(
            f"{_PROXIES} : « {value} » est un réseau bien trop large : tout client qui s'y trouve pourrait se faire "
            "passer pour un autre et contourner les limites. Indiquez l'adresse de votre proxy (par exemple "
            "10.0.0.5) ou le plus petit réseau qui contient vos proxys (par exemple 10.0.0.0/24)."
        )
    return network


def _public_url(env: Mapping[str, str]) -> str | None:
    value = env.get("STATUS_API_PUBLIC_URL", "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(
            f"STATUS_API_PUBLIC_URL : « {value} » n'est pas une adresse publique du service ; écrivez par exemple "
            "https://suivi.example.com (http ou https, sans « ? » ni « # »)."
        )
    return value.rstrip("/")


_SMTP = "STATUS_API_SMTP_URL"
_SMTP_EXAMPLE = "smtp://utilisateur:mot-de-passe@smtp.example.com:587 ou smtps://smtp.example.com:465"


def _smtp(env: Mapping[str, str]) -> Smtp | None:
    value = env.get(_SMTP, "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    shown = _without_password(value)
    if parts.scheme not in ("smtp", "smtps"):
        raise ConfigError(
            f"{_SMTP} : « {shown} » : écrivez une adresse smtp:// ou smtps://, par exemple {_SMTP_EXAMPLE}."
        )
    try:
        port = parts.port
    except ValueError:
        port = -1
    if not parts.hostname or port == -1 or port == 0 or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError(
            f"{_SMTP} : « {shown} » ne nomme pas un serveur de messagerie (hôte, et port entre 1 et 65535) ; "
            f"écrivez par exemple {_SMTP_EXAMPLE}."
        )
    tls = parts.scheme == "smtps"
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    return Smtp(parts.hostname, port or (465 if tls else 25), tls, user, password)


def _mail_from(env: Mapping[str, str]) -> str | None:
    value = env.get("STATUS_API_MAIL_FROM", "").strip()
    if value and normalised_address(value) is None:
        raise ConfigError(
            f"STATUS_API_MAIL_FROM : « {value} » n'est pas une adresse e-mail ; écrivez par exemple "
            "etat-du-service@example.com."
        )
    return value or None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def too_wide(network: Network) -> bool:
    """A network so large that trusting it trusts strangers: all of the internet, or a wide public range."""
    if network.prefixlen < 8:
        return True
    public_limit = 16 if network.version == 4 else 32
    return not network.is_private and network.prefixlen < public_limit


# --- what `status-api serve` checks before it starts: a wrong setting stops it at once, saying what to fix ----

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
    database = _database_folder_problem(settings.db_path) if settings.db_url is None else None
    if database:
        found.append(database)
    if settings.smtp is not None and settings.public_url is None:
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
            f"STATUS_API_DB : impossible d'écrire dans le dossier {folder} ({error.strerror}) ; la base et ses "
            "fichiers -wal et -shm y sont créés. Choisissez un dossier où le service peut écrire."
        )
    if db_path.is_dir():
        return f"STATUS_API_DB : {db_path} est un dossier ; indiquez un fichier, par exemple var/status.sqlite3."
    return None
