"""Subscribers and the outbox, written once for both backends over their own connections.

The statements are the same in SQLite and PostgreSQL but for their placeholders (written `?` here, `%s` for
psycopg) and the claim: PostgreSQL locks the rows it claims and skips those another instance holds (FOR
UPDATE SKIP LOCKED); SQLite's write transactions take turns on the whole file already. A claim is a lease:
an entry claimed by an instance that dies is taken again once the lease is over, so nothing is lost, and no
two instances hold one entry at once.

Times are kept as seconds since the epoch (of the core's clock), services as JSON lists (empty: every service).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from status_api.domain.outbox import Delivery, Mail, Notice, Queued, Recipient, Webhook


def _services(text: str | None) -> tuple[str, ...]:
    return tuple(json.loads(text)) if text else ()


class Mailing:
    def __init__(self, placeholder: str, lock: str) -> None:
        self._placeholder = placeholder
        # What the claim's SELECT ends with: "" in SQLite, "FOR UPDATE SKIP LOCKED" in PostgreSQL.
        self._lock = lock

    def _run(self, conn: Any, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return conn.execute(sql.replace("?", self._placeholder), params)

    # --- subscribers ----------------------------------------------------------------------------------------

    def subscribe(
        self,
        conn: Any,
        address: str,
        services: tuple[str, ...],
        token_hash: str,
        expires: datetime,
        now: datetime,
        mail: Callable[[int], Mail],
        language: str | None = None,
    ) -> None:
        """The same work whoever the address is: new, pending or confirmed, it takes these services, this
        language and this confirmation key (which replaces any earlier one), and its confirmation e-mail is
        queued. The language, like the services, is the subscriber's once confirmed: whoever typed someone
        else's address changes nothing of theirs."""
        row = self._run(
            conn,
            "INSERT INTO subscribers (address, services, pending_services, pending_language, token_hash,"
            " token_expires) VALUES (?, '[]', ?, ?, ?, ?) ON CONFLICT (address) DO UPDATE SET"
            " pending_services = excluded.pending_services, pending_language = excluded.pending_language,"
            " token_hash = excluded.token_hash, token_expires = excluded.token_expires RETURNING id",
            (address, json.dumps(services), language, token_hash, expires.timestamp()),
        ).fetchone()
        self.queue_mail(conn, mail(int(row[0])), now)

    def confirmable(self, conn: Any, token_hash: str, now: datetime) -> bool:
        row = self._run(
            conn, "SELECT 1 FROM subscribers WHERE token_hash = ? AND token_expires > ?", (token_hash, now.timestamp())
        ).fetchone()
        return row is not None

    def confirm(self, conn: Any, token_hash: str, now: datetime) -> bool:
        """The subscriber of this key, still valid, confirmed with the services asked for; the key is spent."""
        done = self._run(
            conn,
            "UPDATE subscribers SET confirmed_at = coalesce(confirmed_at, ?), services = pending_services,"
            " language = pending_language, pending_services = NULL, pending_language = NULL, token_hash = NULL,"
            " token_expires = NULL"
            " WHERE token_hash = ? AND token_expires > ?",
            (now.timestamp(), token_hash, now.timestamp()),
        )
        return bool(done.rowcount > 0)

    def unsubscribe(self, conn: Any, key_hash: str) -> bool:
        """The address gone, with its keys and its e-mails not yet sent (ON DELETE CASCADE)."""
        done = self._run(
            conn,
            "DELETE FROM subscribers WHERE id = (SELECT subscriber FROM unsubscribe_keys WHERE key_hash = ?)",
            (key_hash,),
        )
        return bool(done.rowcount > 0)

    def recipients(self, conn: Any) -> list[Recipient]:
        found = self._run(
            conn,
            "SELECT id, address, services, language FROM subscribers WHERE confirmed_at IS NOT NULL ORDER BY id",
        ).fetchall()
        return [
            Recipient(int(id_), address, _services(services), language) for id_, address, services, language in found
        ]

    # --- the outbox -----------------------------------------------------------------------------------------

    def queue_notice(self, conn: Any, notice: Notice) -> None:
        self._run(
            conn,
            "INSERT INTO outbox (kind, key, services, content, next_at) VALUES ('notice', ?, ?, ?, ?)"
            " ON CONFLICT (key) DO NOTHING",
            (
                notice.key,
                json.dumps(notice.services),
                json.dumps({**notice.content, "key": notice.key, "at": notice.at.isoformat()}),
                notice.at.timestamp(),
            ),
        )

    def queue_mail(self, conn: Any, mail: Mail, now: datetime) -> None:
        inserted = self._run(
            conn,
            "INSERT INTO outbox (kind, key, subscriber, content, next_at) VALUES ('mail', ?, ?, ?, ?)"
            " ON CONFLICT (key) DO NOTHING",
            (mail.key, mail.subscriber, json.dumps(mail.content), now.timestamp()),
        )
        if inserted.rowcount > 0:
            self._run(
                conn,
                "INSERT INTO unsubscribe_keys (key_hash, subscriber) VALUES (?, ?) ON CONFLICT (key_hash) DO NOTHING",
                (mail.unsubscribe_hash, mail.subscriber),
            )

    def due(self, conn: Any, now: datetime) -> bool:
        """Whether anything awaits sending now: a read, so that an idle sender writes nothing."""
        at = now.timestamp()
        row = self._run(
            conn,
            "SELECT 1 FROM outbox WHERE done_at IS NULL AND next_at <= ? AND claimed_until <= ? LIMIT 1",
            (at, at),
        ).fetchone()
        return row is not None

    def claim(self, conn: Any, now: datetime, lease: float, limit: int) -> list[Queued]:
        """Up to `limit` entries due now, leased to the caller for `lease` seconds, their attempt counted."""
        at = now.timestamp()
        found = self._run(
            conn,
            "SELECT id FROM outbox WHERE done_at IS NULL AND next_at <= ? AND claimed_until <= ?"
            f" ORDER BY next_at, id LIMIT ? {self._lock}",
            (at, at, limit),
        ).fetchall()
        claimed = []
        for (id_,) in found:
            row = self._run(
                conn,
                "UPDATE outbox SET claimed_until = ?, attempts = attempts + 1 WHERE id = ?"
                " RETURNING kind, content, attempts, services, webhook",
                (at + lease, id_),
            ).fetchone()
            kind, content, attempts, services, webhook = row
            claimed.append(
                Queued(
                    int(id_),
                    kind,
                    json.loads(content),
                    int(attempts),
                    _services(services),
                    int(webhook) if webhook is not None else None,
                )
            )
        return claimed

    def expand(self, conn: Any, notice: int, mails: list[Mail], deliveries: list[Delivery], now: datetime) -> None:
        """A notice's e-mails and webhook deliveries queued, and the notice done: in one transaction, so it is
        done once."""
        for mail in mails:
            self.queue_mail(conn, mail, now)
        for delivery in deliveries:
            self._run(
                conn,
                "INSERT INTO outbox (kind, key, webhook, content, next_at) VALUES ('webhook', ?, ?, ?, ?)"
                " ON CONFLICT (key) DO NOTHING",
                (delivery.key, delivery.webhook, json.dumps({"body": delivery.body}), now.timestamp()),
            )
        self.done(conn, notice, now)

    # --- webhooks -------------------------------------------------------------------------------------------

    def add_webhook(self, conn: Any, url: str, secret: str, now: datetime) -> Webhook:
        row = self._run(
            conn,
            "INSERT INTO webhooks (url, secret, created_at) VALUES (?, ?, ?) RETURNING id",
            (url, secret, now.timestamp()),
        ).fetchone()
        return Webhook(int(row[0]), url, secret)

    def webhooks(self, conn: Any) -> list[Webhook]:
        found = self._run(conn, "SELECT id, url, secret, failures, disabled_at FROM webhooks ORDER BY id").fetchall()
        return [
            Webhook(int(id_), url, secret, int(failures), disabled_at is not None)
            for id_, url, secret, failures, disabled_at in found
        ]

    def delete_webhook(self, conn: Any, webhook: int) -> bool:
        return bool(self._run(conn, "DELETE FROM webhooks WHERE id = ?", (webhook,)).rowcount > 0)

    def webhook_outcome(self, conn: Any, webhook: int, delivered: bool, limit: int, now: datetime) -> bool:
        """Count a delivery's outcome: a success starts the failures afresh; the `limit`-th failure in a row
        switches the webhook off. True when it is switched off."""
        if delivered:
            self._run(conn, "UPDATE webhooks SET failures = 0 WHERE id = ?", (webhook,))
            return False
        row = self._run(
            conn,
            "UPDATE webhooks SET failures = failures + 1,"
            " disabled_at = CASE WHEN failures + 1 >= ? THEN coalesce(disabled_at, ?) ELSE disabled_at END"
            " WHERE id = ? RETURNING disabled_at",
            (limit, now.timestamp(), webhook),
        ).fetchone()
        return row is not None and row[0] is not None

    def done(self, conn: Any, entry: int, now: datetime) -> None:
        """Sent (or given up): what it said is forgotten, its key kept a while so that it is not queued again."""
        self._run(conn, "UPDATE outbox SET done_at = ?, content = '{}' WHERE id = ?", (now.timestamp(), entry))

    def retry(self, conn: Any, entry: int, at: datetime) -> None:
        self._run(conn, "UPDATE outbox SET next_at = ?, claimed_until = 0 WHERE id = ?", (at.timestamp(), entry))

    def purge(self, conn: Any, before: datetime, now: datetime) -> None:
        """Entries done before `before`, and addresses whose confirmation link expired unused."""
        self._run(conn, "DELETE FROM outbox WHERE done_at < ?", (before.timestamp(),))
        self._run(conn, "DELETE FROM subscribers WHERE confirmed_at IS NULL AND token_expires <= ?", (now.timestamp(),))


class MailingStore(ABC):
    """The Store contract's part on subscribers and the outbox, for a backend that gives its dialect and a
    transaction that other instances need not be told of (the lookups' cached answers do not depend on it)."""

    _mailing: Mailing

    @abstractmethod
    def _quiet_write(self) -> AbstractContextManager[Any]:
        """A write transaction that leaves the store's version (and so the lookups' cache) alone."""

    @abstractmethod
    def _quiet_read(self) -> AbstractContextManager[Any]:
        """A transaction of reads of one snapshot."""

    def subscribe(
        self,
        address: str,
        services: tuple[str, ...],
        token_hash: str,
        expires: datetime,
        now: datetime,
        mail: Callable[[int], Mail],
        language: str | None = None,
    ) -> None:
        with self._quiet_write() as conn:
            self._mailing.subscribe(conn, address, services, token_hash, expires, now, mail, language)

    def confirmable(self, token_hash: str, now: datetime) -> bool:
        with self._quiet_read() as conn:
            return self._mailing.confirmable(conn, token_hash, now)

    def confirm(self, token_hash: str, now: datetime) -> bool:
        with self._quiet_write() as conn:
            return self._mailing.confirm(conn, token_hash, now)

    def unsubscribe(self, key_hash: str) -> bool:
        with self._quiet_write() as conn:
            return self._mailing.unsubscribe(conn, key_hash)

    def recipients(self) -> list[Recipient]:
        with self._quiet_read() as conn:
            return self._mailing.recipients(conn)

    def queue_notice(self, notice: Notice) -> None:
        with self._quiet_write() as conn:
            self._mailing.queue_notice(conn, notice)

    def claim(self, now: datetime, lease: float, limit: int) -> list[Queued]:
        # Asked first with a read, every second on every instance: an idle sender takes no write lock.
        with self._quiet_read() as conn:
            if not self._mailing.due(conn, now):
                return []
        with self._quiet_write() as conn:
            return self._mailing.claim(conn, now, lease, limit)

    def expand(self, notice: int, mails: list[Mail], deliveries: list[Delivery], now: datetime) -> None:
        with self._quiet_write() as conn:
            self._mailing.expand(conn, notice, mails, deliveries, now)

    def add_webhook(self, url: str, secret: str, now: datetime) -> Webhook:
        with self._quiet_write() as conn:
            return self._mailing.add_webhook(conn, url, secret, now)

    def webhooks(self) -> list[Webhook]:
        with self._quiet_read() as conn:
            return self._mailing.webhooks(conn)

    def delete_webhook(self, webhook: int) -> bool:
        with self._quiet_write() as conn:
            return self._mailing.delete_webhook(conn, webhook)

    def webhook_outcome(self, webhook: int, delivered: bool, limit: int, now: datetime) -> bool:
        with self._quiet_write() as conn:
            return self._mailing.webhook_outcome(conn, webhook, delivered, limit, now)

    def sent(self, entry: int, now: datetime) -> None:
        with self._quiet_write() as conn:
            self._mailing.done(conn, entry, now)

    def retry(self, entry: int, at: datetime) -> None:
        with self._quiet_write() as conn:
            self._mailing.retry(conn, entry, at)

    def purge(self, before: datetime, now: datetime) -> None:
        with self._quiet_write() as conn:
            self._mailing.purge(conn, before, now)


SQLITE = Mailing("?", "")
POSTGRES = Mailing("%s", "FOR UPDATE SKIP LOCKED")
