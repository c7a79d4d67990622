"""Settings of the service, read from the environment with safe defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from ipaddress import ip_network
from pathlib import Path
from urllib.parse import urlsplit

from status_api.client import Network, too_wide
from status_api.ratelimit import Limits, Rate


class ConfigError(ValueError):
    """A setting that cannot be used; the message, in French, names the variable and what it expects."""


@dataclass(frozen=True)
class Settings:
    db_path: Path = Path("var/status.sqlite3")
    # None means writes are refused: the service never runs with an open write API.
    token: str | None = None
    site_dir: Path | None = None
    cors_origins: tuple[str, ...] = ()
    data_dir: Path = Path("data")
    # The public lookup's protections (see ratelimit.py and timing.py); None lifts the rate limits.
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

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        token = env.get("STATUS_API_TOKEN", "").strip()
        site_dir = env.get("STATUS_API_SITE_DIR", "").strip()
        origins = env.get("STATUS_API_CORS_ORIGINS", "")
        return cls(
            db_path=Path(env.get("STATUS_API_DB", "").strip() or cls.db_path),
            token=token or None,
            site_dir=Path(site_dir) if site_dir else None,
            cors_origins=tuple(o.strip().rstrip("/") for o in origins.split(",") if o.strip()),
            data_dir=Path(env.get("KB_DATA_DIR", "").strip() or cls.data_dir),
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
        )

    @property
    def form_origins(self) -> frozenset[str]:
        """Origins, besides the service's own, whose pages may post the lookup form: the help center's."""
        public = [_origin(self.public_url)] if self.public_url else []
        return frozenset([*self.cors_origins, *public])


_PROXIES = "STATUS_API_TRUSTED_PROXIES"
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


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
