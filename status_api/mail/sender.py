"""The task that empties the outbox: it claims what is due, turns each notice into its subscribers' e-mails
and its webhooks' deliveries, and sends each e-mail through STATUS_API_SMTP_URL and each delivery to its
webhook, with retries and exponential backoff.

It runs beside the requests (started in the app's lifespan), its blocking work in threads: a slow or absent
mail server delays e-mails, never a staff write. Every instance runs one; the store's claim gives each entry
to one of them at a time (see storage/mailing.py).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from status_api.config import Smtp
from status_api.core.rounds import Rounds
from status_api.core.subscriptions import hashed, new_key
from status_api.domain.outbox import Delivery, Mail, Queued
from status_api.domain.store import Store
from status_api.mail.compose import Composer

logger = logging.getLogger("status_api.mail")

# How long an instance holds what it claimed: far longer than one SMTP exchange (TIMEOUT), so that nobody else
# sends it meanwhile; an instance that dies gives its claims back this much later.
LEASE = 300.0
TIMEOUT = 30.0
# The first retry after this many seconds, then twice as long each time, at most MAX_DELAY; after MAX_ATTEMPTS
# (about a day of failures) the e-mail is given up and logged.
FIRST_DELAY = 1.0
MAX_DELAY = 3600.0
MAX_ATTEMPTS = 30
# An incident update told a day late is no news: a notice not expanded by then (no sender ran) is dropped.
NOTICE_TTL = timedelta(days=1)
# Done entries keep their key this long (the same notice queued again is not sent twice), then go.
KEEP_DONE = timedelta(days=7)
BATCH = 20
WEBHOOK_TIMEOUT = 10.0
USER_AGENT = "status-api-webhooks/1"


def backoff(attempts: int) -> float:
    return float(min(FIRST_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY))


def send(smtp: Smtp, sender: str, to: str, message: str) -> None:
    """One e-mail through the mail server; smtplib's exceptions as they come."""
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if smtp.tls:
        client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=TIMEOUT, context=context)
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT)
    with client:
        client.ehlo()
        if not smtp.tls and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
        if smtp.user is not None:
            client.login(smtp.user, smtp.password or "")
        client.sendmail(sender, [to], message.encode("utf-8"))


def permanent(error: Exception) -> bool:
    """A refusal that a retry cannot change (5xx): the address does not exist, the message is refused."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return (
        isinstance(error, smtplib.SMTPResponseException)
        and error.smtp_code >= 500
        and not isinstance(error, smtplib.SMTPAuthenticationError)
    )


def reason(error: Exception) -> str:
    """What went wrong, for the log, without the recipient's address: a mail server's refusal quotes it."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in error.recipients.values()})
        return f"recipient refused ({', '.join(map(str, codes))})"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{type(error).__name__} ({error.smtp_code})"
    return str(error)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A receiver's redirect is a failed delivery: followed, it would make the service send its signed request
    to any address (one inside the network among them), and count a delivery the receiver never took."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_WEBHOOK_OPENER = urllib.request.build_opener(_NoRedirects)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """X-Status-Signature: "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)), as the generic
    webhook the service receives is signed."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def post(url: str, secret: str, body: str, delivery: int, now: datetime) -> None:
    """One webhook delivery; raises OSError (urllib's errors among them) unless the receiver answers 2xx."""
    data = body.encode()
    timestamp = str(int(now.timestamp()))
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Status-Delivery": str(delivery),
            "X-Status-Timestamp": timestamp,
            "X-Status-Signature": signature(secret, timestamp, data),
        },
    )
    # http(s) only: core/webhooks.py checks; a 3xx raises HTTPError (an OSError), as any other non-2xx.
    with _WEBHOOK_OPENER.open(request, timeout=WEBHOOK_TIMEOUT) as answer:
        if not 200 <= answer.status < 300:
            raise OSError(f"HTTP {answer.status}")


class Sender(Rounds):
    """`composer` and `smtp` None: no e-mail is made (STATUS_API_SMTP_URL unset); webhooks are served all the
    same. `webhook_failures`: failures in a row that switch a webhook off."""

    name = "outbox sender"

    def __init__(
        self,
        store: Store,
        composer: Composer | None,
        smtp: Smtp | None,
        clock: Callable[[], datetime],
        *,
        webhook_failures: int = 10,
        public_url: str = "",
    ) -> None:
        super().__init__(logger)
        self._store = store
        self._composer = composer
        self._smtp = smtp
        self._clock = clock
        self._webhook_failures = webhook_failures
        self._public_url = public_url
        self._purged: datetime | None = None

    def once(self) -> bool:
        """One round: what is due claimed and handled; True when there was something."""
        now = self._clock()
        if self._purged is None or now - self._purged > timedelta(hours=1):
            self._store.purge(now - KEEP_DONE, now)
            self._purged = now
        claimed = self._store.claim(now, LEASE, BATCH)
        for entry in claimed:
            if entry.kind == "notice":
                self._expand(entry)
            elif entry.kind == "webhook":
                self._post(entry)
            else:
                self._deliver(entry)
        return bool(claimed)

    def _expand(self, notice: Queued) -> None:
        now = self._clock()
        at = notice.content.get("at")
        if at is not None and now - datetime.fromisoformat(at) > NOTICE_TTL:
            logger.warning("outbox sender: notice %s is more than a day old; nobody is told", notice.id)
            self._store.sent(notice.id, now)
            return
        mails = []
        composer = self._composer
        for recipient in self._store.recipients() if composer is not None else ():
            assert composer is not None
            if notice.services and recipient.services and not set(notice.services) & set(recipient.services):
                continue
            key = new_key()
            content = composer.in_language(recipient.language).update(recipient.address, notice.content, key)
            mails.append(Mail(f"mail:{recipient.subscriber}:{notice.id}", recipient.subscriber, content, hashed(key)))
        body = json.dumps(webhook_body(notice, self._public_url), ensure_ascii=False)
        deliveries = [
            Delivery(f"webhook:{webhook.id}:{notice.id}", webhook.id, body)
            for webhook in self._store.webhooks()
            if not webhook.disabled
        ]
        self._store.expand(notice.id, mails, deliveries, now)

    def _post(self, entry: Queued) -> None:
        now = self._clock()
        webhook = next((w for w in self._store.webhooks() if w.id == entry.webhook), None)
        if webhook is None or webhook.disabled:  # switched off meanwhile: its deliveries go unsent
            self._store.sent(entry.id, now)
            return
        try:
            post(webhook.url, webhook.secret, entry.content["body"], entry.id, now)
        except (OSError, ValueError) as error:
            off = self._store.webhook_outcome(webhook.id, False, self._webhook_failures, self._clock())
            if off:
                logger.error(
                    "webhook %s switched off after %d failures in a row: %s", webhook.id, self._webhook_failures, error
                )
                self._store.sent(entry.id, self._clock())
            else:
                delay = backoff(entry.attempts)
                logger.warning(
                    "webhook %s: delivery %s failed (%s); next attempt in %.0f s", webhook.id, entry.id, error, delay
                )
                self._store.retry(entry.id, self._clock() + timedelta(seconds=delay))
            return
        self._store.webhook_outcome(webhook.id, True, self._webhook_failures, now)
        self._store.sent(entry.id, self._clock())

    def _deliver(self, mail: Queued) -> None:
        content = mail.content
        if self._smtp is None:  # queued before STATUS_API_SMTP_URL was taken away: kept until it is back
            self._store.retry(mail.id, self._clock() + timedelta(seconds=MAX_DELAY))
            return
        try:
            send(self._smtp, content["from"], content["to"], content["message"])
        except (smtplib.SMTPException, OSError) as error:
            now = self._clock()
            if permanent(error) or mail.attempts >= MAX_ATTEMPTS:
                logger.error(
                    "mail sender: e-mail %s given up after %d attempts: %s", mail.id, mail.attempts, reason(error)
                )
                self._store.sent(mail.id, now)
            else:
                delay = backoff(mail.attempts)
                logger.warning(
                    "mail sender: e-mail %s not sent (%s); next attempt in %.0f s", mail.id, reason(error), delay
                )
                self._store.retry(mail.id, now + timedelta(seconds=delay))
            return
        self._store.sent(mail.id, self._clock())


# A notice's kind, from its key's prefix (core/subscriptions.py), as webhooks name it.
_TYPES = {"incident-update": "incident_update", "maintenance-update": "maintenance_update"}


def webhook_body(notice: Queued, public_url: str) -> dict[str, object]:
    """What a webhook receives of a notice: documented in the README (Webhook subscriptions)."""
    content = notice.content
    return {
        "type": _TYPES.get(str(content.get("key", "")).partition(":")[0], "notice"),
        "notice": content.get("key"),
        "at": content.get("at"),
        "title": content.get("title"),
        "state": content.get("state"),
        "text": content.get("text") or None,
        "services": notice.services,
        "url": public_url + str(content.get("path", "")),
    }
