"""The values settings take (a rate, limits, a mail server, networks) and how each is read from the
environment: a wrong one is a ConfigError whose French message names the variable and what it expects."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import TypeVar
from urllib.parse import SplitResult, unquote, urlsplit

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
    """A setting that cannot be used; the message, in French, names the variable and what it expects (one
    line for each setting, when several are wrong)."""


T = TypeVar("T")


class Unread:
    """The settings that could not be read, each with its message: all of them are told at once."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def take(self, read: Callable[[], T], default: T) -> T:
        """What `read` reads, or `default` once the reason it could not is kept."""
        try:
            return read()
        except ConfigError as error:
            self.messages.append(str(error))
            return default

    @property
    def names(self) -> set[str]:
        # Every message starts with its variable's name: "STATUS_API_DB : …".
        return {message.split(" : ", 1)[0] for message in self.messages}


PROXIES = "STATUS_API_TRUSTED_PROXIES"
# A value that starts like a URL (scheme://) names a database server, not a file.
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
POSTGRES_SCHEMES = ("postgresql", "postgres")


def db_url(env: Mapping[str, str]) -> str | None:
    value = env.get("STATUS_API_DB", "").strip()
    if not _URL.match(value):
        return None
    scheme = value.split("://", 1)[0].lower()
    if scheme not in POSTGRES_SCHEMES:
        raise ConfigError(
            f"STATUS_API_DB : « {without_password(value)} » : le schéma « {scheme}:// » n'est pas pris en charge ; "
            "indiquez le chemin d'un fichier SQLite (par exemple var/status.sqlite3) ou une adresse PostgreSQL "
            "(postgresql://utilisateur@hôte:5432/base)."
        )
    parts = _split("STATUS_API_DB", value, "postgresql://utilisateur@hôte:5432/base")
    if not parts.hostname and "host=" not in parts.query:
        raise ConfigError(
            f"STATUS_API_DB : « {without_password(value)} » ne nomme aucun serveur ; écrivez par exemple "
            "postgresql://utilisateur@hôte:5432/base."
        )
    return value


def db_path(env: Mapping[str, str]) -> Path | None:
    value = env.get("STATUS_API_DB", "").strip()
    return Path(value) if value and not _URL.match(value) else None


def _split(name: str, value: str, example: str) -> SplitResult:
    """`value`'s parts, its port checked; urllib's ValueError (an unclosed [ of an IPv6 address, a port that is
    not a number) becomes the message of `name`."""
    shown = without_password(value)
    try:
        parts = urlsplit(value)
    except ValueError:
        raise ConfigError(
            f"{name} : « {shown} » n'est pas une adresse lisible : les crochets d'une adresse IPv6 ([::1]) sont mal "
            f"fermés ou n'entourent pas une adresse IPv6 ; écrivez par exemple {example}."
        ) from None
    try:
        parts.port  # noqa: B018 (read for its check only)
    except ValueError:
        raise ConfigError(
            f"{name} : « {shown} » : il faut un port entre 1 et 65535 (un nombre) ; écrivez par exemple {example}."
        ) from None
    return parts


def without_password(url: str) -> str:
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        # Unreadable, so its password cannot be found: nothing after the scheme is shown.
        return url.split("://", 1)[0] + "://…" if "@" in url else url
    if password is None:
        return url
    netloc = parts.netloc.replace(f":{password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


LOG_LEVELS = ("debug", "info", "warning", "error")


def limits(env: Mapping[str, str], unread: Unread) -> Limits | None:
    if not unread.take(lambda: switch(env, "STATUS_API_RATE_LIMIT", True), True):
        return None
    default = Limits()
    return Limits(
        lookups=unread.take(lambda: rate(env, "STATUS_API_LOOKUP_RATE", default.lookups), default.lookups),
        burst=unread.take(lambda: integer(env, "STATUS_API_LOOKUP_BURST", default.burst, minimum=1), default.burst),
        misses=unread.take(lambda: rate(env, "STATUS_API_MISS_RATE", default.misses), default.misses),
        max_clients=unread.take(
            lambda: integer(env, "STATUS_API_RATE_LIMIT_CLIENTS", default.max_clients, minimum=100),
            default.max_clients,
        ),
    )


def switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "on", "true", "yes", "oui"):
        return True
    if value in ("0", "off", "false", "no", "non"):
        return False
    raise ConfigError(f"{name} : « {value} » n'est pas compris ; écrivez on ou off.")


def choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    value = env.get(name, "").strip().lower()
    if not value:
        return default
    if value not in choices:
        raise ConfigError(f"{name} : « {value} » n'est pas compris ; écrivez " + ", ".join(choices) + ".")
    return value


def integer(env: Mapping[str, str], name: str, default: int, *, minimum: int = 0, maximum: int = 10**9) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or not minimum <= int(value) <= maximum:
        raise ConfigError(f"{name} : « {value} » n'est pas un nombre entier entre {minimum} et {maximum}.")
    return int(value)


def rate(env: Mapping[str, str], name: str, default: Rate) -> Rate:
    value = env.get(name, "").strip()
    try:
        return Rate.parse(value) if value else default
    except ValueError:
        raise ConfigError(
            f"{name} : « {value} » n'est pas un débit ; écrivez un nombre par unité de temps, "
            "par exemple 10/minute ou 100/hour (second, minute, hour, day)."
        ) from None


def network(value: str) -> Network:
    try:
        network = ip_network(value, strict=False)
    except ValueError:
        raise ConfigError(
            f"{PROXIES} : « {value} » n'est pas une adresse IP ni un réseau (par exemple 10.0.0.1 ou 10.0.0.0/8)."
        ) from None
    if too_wide(network):
        raise ConfigError(
            f"{PROXIES} : « {value} » est un réseau bien trop large : tout client qui s'y trouve pourrait se faire "
            "passer pour un autre et contourner les limites. Indiquez l'adresse de votre proxy (par exemple "
            "10.0.0.5) ou le plus petit réseau qui contient vos proxys (par exemple 10.0.0.0/24)."
        )
    return network


def public_url(env: Mapping[str, str]) -> str | None:
    value = env.get("STATUS_API_PUBLIC_URL", "").strip()
    if not value:
        return None
    parts = _split("STATUS_API_PUBLIC_URL", value, "https://suivi.example.com")
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(
            f"STATUS_API_PUBLIC_URL : « {value} » n'est pas une adresse publique du service ; écrivez par exemple "
            "https://suivi.example.com (http ou https, sans « ? » ni « # »)."
        )
    return value.rstrip("/")


_CORS = "STATUS_API_CORS_ORIGINS"
_ORIGIN_EXAMPLE = "https://aide.example.com ou http://localhost:8000"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def cors_origins(env: Mapping[str, str], unread: Unread) -> tuple[str, ...]:
    """The origins whose pages may call the API, as browsers write them in the Origin header (scheme://host or
    scheme://host:port, lower case, no default port); or "*", alone, for any site: the API sends no cookie
    and its writes need the token, so that a public deployment may let every site read it."""
    values = [value.strip() for value in env.get(_CORS, "").split(",") if value.strip()]
    if "*" in values and len(values) > 1:
        unread.take(
            _refuse(f"{_CORS} : « * » ouvre l'API à tous les sites ; ne le mêlez pas à d'autres origines."), None
        )
        return ()
    if values == ["*"]:
        return ("*",)
    found = [unread.take(partial(_origin, value), None) for value in values]
    return tuple(origin for origin in found if origin is not None)


def _refuse(message: str) -> Callable[[], None]:
    def refuse() -> None:
        raise ConfigError(message)

    return refuse


def _origin(value: str) -> str:
    parts = _split(_CORS, value, _ORIGIN_EXAMPLE)
    wrong = None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        wrong = "une origine commence par http:// ou https:// suivi du nom du site"
    elif parts.path not in ("", "/") or parts.query or parts.fragment:
        wrong = "une origine s'écrit schéma://hôte[:port], comme un navigateur l'envoie, sans chemin, « ? » ni « # »"
    elif parts.username is not None:
        wrong = "une origine ne contient ni utilisateur ni mot de passe"
    if wrong:
        raise ConfigError(
            f"{_CORS} : « {value} » n'est pas une origine : {wrong} ; écrivez par exemple {_ORIGIN_EXAMPLE}."
        )
    scheme = parts.scheme.lower()
    hostname = parts.hostname or ""
    host = f"[{hostname}]" if ":" in hostname else hostname
    port = "" if parts.port in (None, _DEFAULT_PORTS[scheme]) else f":{parts.port}"
    return f"{scheme}://{host}{port}"


_SMTP = "STATUS_API_SMTP_URL"
_SMTP_EXAMPLE = "smtp://utilisateur:mot-de-passe@smtp.example.com:587 ou smtps://smtp.example.com:465"


def smtp(env: Mapping[str, str]) -> Smtp | None:
    value = env.get(_SMTP, "").strip()
    if not value:
        return None
    parts = _split(_SMTP, value, _SMTP_EXAMPLE)
    shown = without_password(value)
    if parts.scheme not in ("smtp", "smtps"):
        raise ConfigError(
            f"{_SMTP} : « {shown} » : écrivez une adresse smtp:// ou smtps://, par exemple {_SMTP_EXAMPLE}."
        )
    port = parts.port
    if not parts.hostname or port == 0 or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError(
            f"{_SMTP} : « {shown} » ne nomme pas un serveur de messagerie (hôte, et port entre 1 et 65535) ; "
            f"écrivez par exemple {_SMTP_EXAMPLE}."
        )
    tls = parts.scheme == "smtps"
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    return Smtp(parts.hostname, port or (465 if tls else 25), tls, user, password)


def mail_from(env: Mapping[str, str]) -> str | None:
    value = env.get("STATUS_API_MAIL_FROM", "").strip()
    if value and normalised_address(value) is None:
        raise ConfigError(
            f"STATUS_API_MAIL_FROM : « {value} » n'est pas une adresse e-mail ; écrivez par exemple "
            "etat-du-service@example.com."
        )
    return value or None


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def too_wide(network: Network) -> bool:
    """A network so large that trusting it trusts strangers: all of the internet, or a wide public range."""
    if network.prefixlen < 8:
        return True
    public_limit = 16 if network.version == 4 else 32
    return not network.is_private and network.prefixlen < public_limit
