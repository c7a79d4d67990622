"""The task that empties the outbox: it claims what is due, turns each notice into its subscribers' e-mails,
and sends each e-mail through STATUS_API_SMTP_URL, with retries and exponential backoff.

It runs beside the requests (started in the app's lifespan), its blocking work in threads: a slow or absent
mail server delays e-mails, never a staff write. Every instance runs one; the store's claim gives each entry
to one of them at a time (see storage/mailing.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import smtplib
import ssl
from collections.abc import Callable
from datetime import datetime, timedelta

from starlette.concurrency import run_in_threadpool

from status_api.config import Smtp
from status_api.core.subscriptions import hashed, new_key
from status_api.domain.outbox import Mail, Queued
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
POLL = 1.0
BATCH = 20


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
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500 and not isinstance(
        error, smtplib.SMTPAuthenticationError
    )


class Sender:
    def __init__(
        self, store: Store, composer: Composer, smtp: Smtp, clock: Callable[[], datetime]
    ) -> None:
        self._store = store
        self._composer = composer
        self._smtp = smtp
        self._clock = clock
        self._wake = asyncio.Event()
        self._purged: datetime | None = None

    def wake(self) -> None:
        """Something was queued: look now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        while True:
            self._wake.clear()
            try:
                worked = await run_in_threadpool(self.once)
            except asyncio.CancelledError:
                raise
            except Exception:  # the database away, say: the next round tries again
                logger.exception("mail sender: round failed")
                worked = False
            if not worked:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), POLL)

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
            else:
                self._deliver(entry)
        return bool(claimed)

    def _expand(self, notice: Queued) -> None:
        now = self._clock()
        at = notice.content.get("at")
        if at is not None and now - datetime.fromisoformat(at) > NOTICE_TTL:
            logger.warning("mail sender: notice %s is more than a day old; nobody is told", notice.id)
            self._store.sent(notice.id, now)
            return
        mails = []
        for recipient in self._store.recipients():
            if notice.services and recipient.services and not set(notice.services) & set(recipient.services):
                continue
            key = new_key()
            content = self._composer.update(recipient.address, notice.content, key)
            mails.append(Mail(f"mail:{recipient.subscriber}:{notice.id}", recipient.subscriber, content, hashed(key)))
        self._store.expand(notice.id, mails, now)

    def _deliver(self, mail: Queued) -> None:
        content = mail.content
        try:
            send(self._smtp, content["from"], content["to"], content["message"])
        except (smtplib.SMTPException, OSError) as error:
            now = self._clock()
            if permanent(error) or mail.attempts >= MAX_ATTEMPTS:
                logger.error("mail sender: e-mail %s given up after %d attempts: %s", mail.id, mail.attempts, error)
                self._store.sent(mail.id, now)
            else:
                delay = backoff(mail.attempts)
                logger.warning("mail sender: e-mail %s not sent (%s); next attempt in %.0f s", mail.id, error, delay)
                self._store.retry(mail.id, now + timedelta(seconds=delay))
            return
        self._store.sent(mail.id, self._clock())
