"""The Store contract's subscribers and outbox, on both backends: each entry claimed by one holder at a time,
each key queued once, a retry due at its time, and an unsubscribe that takes everything with it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from status_api.core.subscriptions import hashed
from status_api.domain.outbox import Mail, Notice
from status_api.domain.store import Store
from tests.status_api.conftest import BOTH_BACKENDS
from tests.status_api.helpers import NOW

pytestmark = BOTH_BACKENDS


def _subscribe(store: Store, address: str, services: tuple[str, ...] = (), token: str = "t") -> None:
    store.subscribe(
        address,
        services,
        hashed(token + address),
        NOW + timedelta(hours=48),
        NOW,
        lambda subscriber: Mail(f"confirm:{address}:{token}", subscriber, {"to": address}, hashed("u" + address)),
    )


def test_a_claim_is_held_until_its_lease_ends(new_store: Callable[..., Store]) -> None:
    store, other = new_store(), new_store()
    _subscribe(store, "a@example.com")
    first = store.claim(NOW, 60, 10)
    assert [entry.content["to"] for entry in first] == ["a@example.com"]
    assert first[0].attempts == 1
    # Another instance (another store on the same database) gets nothing while the lease holds...
    assert other.claim(NOW + timedelta(seconds=59), 60, 10) == []
    # ...and takes it once the lease is over (the first instance died), its attempt counted.
    again = other.claim(NOW + timedelta(seconds=61), 60, 10)
    assert [(entry.id, entry.attempts) for entry in again] == [(first[0].id, 2)]


def test_a_retry_is_due_at_its_time_and_a_sent_mail_is_done(store: Store) -> None:
    _subscribe(store, "a@example.com")
    (entry,) = store.claim(NOW, 60, 10)
    store.retry(entry.id, NOW + timedelta(seconds=4))
    assert store.claim(NOW + timedelta(seconds=3), 60, 10) == []
    (retried,) = store.claim(NOW + timedelta(seconds=4), 60, 10)
    store.sent(retried.id, NOW)
    assert store.claim(NOW + timedelta(days=1), 60, 10) == []


def test_each_key_is_queued_once(store: Store) -> None:
    notice = Notice("incident-update:1", ("sms",), NOW, {"title": "Panne"})
    store.queue_notice(notice)
    store.queue_notice(notice)  # a second instance, or a retried write
    (claimed,) = store.claim(NOW, 60, 10)
    assert claimed.kind == "notice" and claimed.services == ("sms",) and claimed.content["title"] == "Panne"
    _subscribe(store, "a@example.com")
    assert store.confirm(hashed("ta@example.com"), NOW)
    (recipient,) = store.recipients()
    mail = Mail(f"mail:{recipient.subscriber}:{claimed.id}", recipient.subscriber, {"to": "a"}, hashed("k1"))
    store.expand(claimed.id, [mail], [], NOW)
    # The same notice expanded again (two instances) or queued again within the week: nothing more.
    store.expand(claimed.id, [Mail(mail.key, recipient.subscriber, {"to": "a"}, hashed("k2"))], [], NOW)
    store.queue_notice(notice)
    due = store.claim(NOW, 60, 10)
    assert [entry.kind for entry in due] == ["mail", "mail"]  # the confirmation and the update, once each


def test_confirmation_takes_the_services_and_expires(store: Store) -> None:
    _subscribe(store, "a@example.com", ("sms",))
    assert store.recipients() == []
    assert not store.confirm(hashed("ta@example.com"), NOW + timedelta(hours=49))
    assert store.confirmable(hashed("ta@example.com"), NOW)
    assert store.confirm(hashed("ta@example.com"), NOW)
    assert not store.confirm(hashed("ta@example.com"), NOW)  # spent
    assert [(r.address, r.services) for r in store.recipients()] == [("a@example.com", ("sms",))]
    # Subscribing again (other services) keeps the confirmed address as it is until the new link is followed.
    _subscribe(store, "a@example.com", ("portabilite",), token="t2")
    assert [r.services for r in store.recipients()] == [("sms",)]
    assert store.confirm(hashed("t2a@example.com"), NOW)
    assert [r.services for r in store.recipients()] == [("portabilite",)]


def test_unsubscribing_deletes_the_address_and_its_mails(store: Store) -> None:
    _subscribe(store, "a@example.com")
    assert store.confirm(hashed("ta@example.com"), NOW)
    assert store.unsubscribe(hashed("ua@example.com"))
    assert store.recipients() == []
    assert store.claim(NOW, 60, 10) == []  # its confirmation e-mail went with it
    assert not store.unsubscribe(hashed("ua@example.com"))


def test_a_webhook_is_switched_off_by_failures_in_a_row(store: Store) -> None:
    webhook = store.add_webhook("https://example.com/hook", "s3cret", NOW)
    assert not store.webhook_outcome(webhook.id, False, 3, NOW)
    assert not store.webhook_outcome(webhook.id, True, 3, NOW)  # a success starts the count afresh
    assert not store.webhook_outcome(webhook.id, False, 3, NOW)
    assert not store.webhook_outcome(webhook.id, False, 3, NOW)
    assert store.webhook_outcome(webhook.id, False, 3, NOW)
    (shown,) = store.webhooks()
    assert (shown.url, shown.secret, shown.failures, shown.disabled) == ("https://example.com/hook", "s3cret", 3, True)
    assert store.delete_webhook(webhook.id) and store.webhooks() == []
