"""Settings of the service, read from the environment with safe defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from kb_build.settings import data_dir
from status_api.config import values as read
from status_api.config.values import ConfigError, Limits, Network, Smtp, Unread


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
    # Whether this instance applies the helpdesks' deliveries its webhooks (or another instance's) accepted
    # (STATUS_API_HELPDESK_APPLIER); off, they wait in the inbox for an instance that does.
    helpdesk_applier: bool = True

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings, or a ConfigError telling every one that cannot be read, a line each."""
        settings, unread = cls.read(environ)
        if unread.messages:
            raise ConfigError("\n".join(unread.messages))
        return settings

    @classmethod
    def read(cls, environ: Mapping[str, str] | None = None) -> tuple[Settings, Unread]:
        """The settings, those that cannot be read at their defaults; and what could not be read, and why."""
        env = os.environ if environ is None else environ
        unread = Unread()
        take = unread.take
        token = env.get("STATUS_API_TOKEN", "").strip()
        site_dir = env.get("STATUS_API_SITE_DIR", "").strip()
        proxies = [p.strip() for p in env.get(read.PROXIES, "").split(",") if p.strip()]
        networks = [take(partial(read.network, p), None) for p in proxies]
        settings = cls(
            db_path=read.db_path(env) or cls.db_path,
            db_url=take(lambda: read.db_url(env), None),
            token=token or None,
            site_dir=Path(site_dir) if site_dir else None,
            cors_origins=read.cors_origins(env, unread),
            data_dir=data_dir(env),
            limits=read.limits(env, unread),
            trusted_proxies=tuple(n for n in networks if n is not None),
            lookup_floor=take(lambda: read.integer(env, "STATUS_API_LOOKUP_FLOOR_MS", 20, maximum=5000), 20) / 1000,
            hsts=take(lambda: read.switch(env, "STATUS_API_HSTS", False), False),
            lookup_cache=take(
                lambda: read.integer(env, "STATUS_API_LOOKUP_CACHE", cls.lookup_cache, maximum=1_000_000),
                cls.lookup_cache,
            ),
            log_level=take(
                lambda: read.choice(env, "STATUS_API_LOG_LEVEL", read.LOG_LEVELS, cls.log_level), cls.log_level
            ),
            public_url=take(lambda: read.public_url(env), None),
            max_header_bytes=take(
                lambda: read.integer(
                    env, "STATUS_API_MAX_HEADER_BYTES", cls.max_header_bytes, minimum=1024, maximum=1024 * 1024
                ),
                cls.max_header_bytes,
            ),
            header_timeout=take(
                lambda: read.integer(env, "STATUS_API_HEADER_TIMEOUT", int(cls.header_timeout), minimum=1, maximum=300),
                int(cls.header_timeout),
            ),
            body_timeout=take(
                lambda: read.integer(env, "STATUS_API_BODY_TIMEOUT", int(cls.body_timeout), minimum=1, maximum=300),
                int(cls.body_timeout),
            ),
            max_connections=take(
                lambda: read.integer(
                    env, "STATUS_API_MAX_CONNECTIONS", cls.max_connections, minimum=10, maximum=100_000
                ),
                cls.max_connections,
            ),
            db_pool=take(
                lambda: read.integer(env, "STATUS_API_DB_POOL", cls.db_pool, minimum=1, maximum=200), cls.db_pool
            ),
            zendesk_secret=env.get("STATUS_API_ZENDESK_SECRET", "").strip() or None,
            hook_secret=env.get("STATUS_API_HOOK_SECRET", "").strip() or None,
            zendesk_url=env.get("STATUS_API_ZENDESK_URL", "").strip().rstrip("/") or None,
            zendesk_email=env.get("STATUS_API_ZENDESK_EMAIL", "").strip() or None,
            zendesk_api_token=env.get("STATUS_API_ZENDESK_API_TOKEN", "").strip() or None,
            smtp=take(lambda: read.smtp(env), None),
            mail_from=take(lambda: read.mail_from(env), None),
            webhook_failures=take(
                lambda: read.integer(env, "STATUS_API_WEBHOOK_FAILURES", cls.webhook_failures, minimum=1, maximum=1000),
                cls.webhook_failures,
            ),
            helpdesk_applier=take(
                lambda: read.switch(env, "STATUS_API_HELPDESK_APPLIER", cls.helpdesk_applier), cls.helpdesk_applier
            ),
        )
        return settings, unread

    @property
    def database(self) -> str:
        """The database as messages name it: the file, or the URL without its password."""
        return read.without_password(self.db_url) if self.db_url else str(self.db_path)

    @property
    def sender_address(self) -> str:
        """The From address of e-mails: STATUS_API_MAIL_FROM, else etat-du-service@ the public host."""
        host = urlsplit(self.public_url).hostname if self.public_url else None
        return self.mail_from or f"etat-du-service@{host or 'localhost'}"

    @property
    def form_origins(self) -> frozenset[str]:
        """Origins, besides the service's own, whose pages may post the lookup form: the help center's."""
        public = [read.origin(self.public_url)] if self.public_url else []
        # "*" opens the JSON API to every site, never the forms: a form posted from another site is refused.
        return frozenset([*(o for o in self.cors_origins if o != "*"), *public])
