"""What the service needs from a database: the contract every backend implements and passes the same tests.

A ticket as a store reads it holds its latest updates only (how many: a setting of the store, from
data/tracking.yml) and the count of all: neither a read nor a write goes through a whole history.

Each write is one transaction: the changes a rule computes run inside it, on the record as it is then, so
that rules depending on the current state see a state nobody else changes meanwhile. Errors are the domain's
(errors.py): an outage is StoreUnavailable (StoreBusy for a lock), never a backend's own exception.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from status_api.domain.helpdesk import HelpdeskChange, Received
from status_api.domain.outbox import Delivery, Mail, Notice, Queued, Recipient, Webhook
from status_api.domain.records import Appended, Idempotency, Incident, Maintenance, R, Ticket, Vote

# Given the record as it is, the record after the change and the update to record.
Change = Callable[[R], tuple[R, Any]]
# Given the record as stored (None: there is none yet), the record to store.
Build = Callable[[R | None], R]
# Given the record as stored after an update, the notice to queue with it (None: nobody is told).
Notify = Callable[[R], Notice | None]


class Store(Protocol):
    # True when reads take microseconds (a local file): callers may make them on the event loop. False for a
    # database across the network: reads go to a worker thread (see core/lookup.py).
    local: bool

    def version(self) -> Hashable:
        """A token that changes whenever a committed write may change what reads return.

        Lookups keep recent answers while it stays the same; a backend without a cheap way to tell returns
        a new object on every call, and nothing is kept.
        """
        ...

    def by_call_id(self, call_id: str) -> Ticket | None: ...

    def get(self, subject: type[R], reference: str) -> R | None: ...

    def put(
        self, subject: type[R], reference: str, build: Build[R], *, notify: Notify[R] | None = None
    ) -> tuple[R, bool]:
        """Create or replace a record, keeping its updates (and an incident's tickets); True when created.

        On creation, `notify` makes the notice of the record's opening, queued in the same transaction.

        A ticket's call IDs move with it: CallIdTaken when one belongs to another ticket.
        """
        ...

    def append_update(
        self,
        subject: type[R],
        reference: str,
        change: Change[R],
        *,
        idempotency: Idempotency | None = None,
        notify: Notify[R] | None = None,
    ) -> Appended[R] | None:
        """Apply a change and record its update, once per idempotency key; None when there is no such record.

        `notify` makes the notice of a recorded update, queued in the outbox in the same transaction (a
        replayed update queues nothing).

        The change may move any field of the record but its reference, a ticket's call IDs and its opening
        (for a ticket: step, team, resolution, skipped steps, issue type, prioritised, helpdesk_at). The update
        it returns may be None: the state changes, no public update is recorded or counted (a helpdesk
        delivery that only moves the issue type), and the idempotency key is kept all the same.

        A key seen before with the same fingerprint changes nothing (`replayed`); with another,
        IdempotencyConflict. Keys are kept per record, across every instance sharing the database.
        """
        ...

    def delete(self, subject: type[R], reference: str) -> bool:
        """Remove a record and what hangs on it (a ticket's call IDs and updates, an incident's updates and
        links; an incident's tickets stay, unlinked)."""
        ...

    def incidents(self, since: datetime) -> list[Incident]:
        """The ongoing incidents, and those that ended at `since` or later."""
        ...

    def maintenances(self, since: datetime) -> list[Maintenance]:
        """The maintenances that end (or were cancelled) at `since` or later: ahead, under way, recently over."""
        ...

    def link(self, ticket: str, incident: str) -> bool:
        """Link a ticket to an incident (from any incident it was linked to before); NotFound when either is
        missing. False when it was linked there already."""
        ...

    def unlink(self, ticket: str, incident: str) -> bool:
        """False when the ticket was not linked to this incident."""
        ...

    def preparer(self) -> Callable[[Ticket], object]:
        """A function that turns a ticket into what import_many writes fastest (the backend's own rows).

        It is picklable (a module-level function): a bulk import's worker processes run it, so that the
        process that writes is spared the work.
        """
        ...

    def import_many(
        self,
        tickets: Iterable[Ticket | object],
        incidents: Sequence[Incident] = (),
        maintenances: Sequence[Maintenance] = (),
    ) -> int:
        """Create or replace these tickets (or what `preparer()` made of them), these incidents with their
        updates and links, and these maintenances with their updates, all or none, in one transaction.

        `tickets` may be a stream (a million lines of a file): an exception it raises undoes everything.
        CallIdTaken carries the position in the stream of the ticket that asked for a taken call ID; an
        incident naming a ticket that exists nowhere is NotFound. Returns how many tickets were written.
        """
        ...

    def add_vote(self, vote: Vote, comment_key: str | None = None) -> None:
        """Record a reader's vote on a help-center page (its comment, if any, comes later through add_comment).

        `comment_key` (an opaque secret the caller made, unique) lets add_comment attach one comment to this
        vote; None: the vote takes none.
        """
        ...

    def add_comment(self, comment_key: str, comment: str, since: datetime) -> str | None:
        """Attach `comment` to the vote recorded with `comment_key` at `since` or later, once: the key is spent
        whether or not. The page voted on; None when no such vote awaits a comment (unknown, spent or older)."""
        ...

    def votes(self) -> list[Vote]:
        """Every vote with its comment, most recent first (the writers' report adds them up)."""
        ...

    # --- e-mail subscribers and the outbox (storage/mailing.py) -----------------------------------------------

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
        """Ask to (re)subscribe `address` to `services`: the same work whether it is new, pending or confirmed.
        It awaits confirmation with this key's hash until `expires` (an earlier key no longer works), and
        `mail(subscriber id)`, its confirmation e-mail, is queued in the same transaction. `language` (a code of
        site.yml; None: French) is the e-mails' once confirmed, as the services are."""
        ...

    def confirmable(self, token_hash: str, now: datetime) -> bool: ...

    def confirm(self, token_hash: str, now: datetime) -> bool:
        """Confirm the subscriber awaiting this key, with the services it asked for; False when none does
        (unknown, spent or expired)."""
        ...

    def unsubscribe(self, key_hash: str) -> bool:
        """Delete the subscriber one of whose e-mails carried this unsubscribe key, and all it has."""
        ...

    def recipients(self) -> list[Recipient]:
        """Every confirmed subscriber."""
        ...

    def queue_notice(self, notice: Notice) -> None:
        """Queue a notice on its own (its key already queued: nothing)."""
        ...

    def claim(self, now: datetime, lease: float, limit: int) -> list[Queued]:
        """Entries due now, each held by the caller for `lease` seconds: no other instance gets them meanwhile."""
        ...

    def expand(self, notice: int, mails: list[Mail], deliveries: list[Delivery], now: datetime) -> None:
        """Queue a notice's e-mails and webhook deliveries (each once by its key) and mark the notice done, in
        one transaction."""
        ...

    def add_webhook(self, url: str, secret: str, now: datetime) -> Webhook: ...

    def webhooks(self) -> list[Webhook]:
        """Every webhook, switched off or not."""
        ...

    def delete_webhook(self, webhook: int) -> bool:
        """The webhook gone, with its deliveries not yet made."""
        ...

    def webhook_outcome(self, webhook: int, delivered: bool, limit: int, now: datetime) -> bool:
        """A delivery's outcome counted: the `limit`-th failure in a row switches the webhook off (True)."""
        ...

    def sent(self, entry: int, now: datetime) -> None: ...

    def retry(self, entry: int, at: datetime) -> None: ...

    def purge(self, before: datetime, now: datetime) -> None:
        """Forget entries done before `before`, and addresses whose confirmation expired unused."""
        ...

    # --- the helpdesks' inbox (storage/inbox.py) -------------------------------------------------------------

    def receive(self, source: str, reference: str, change: HelpdeskChange, now: datetime) -> bool:
        """Keep a webhook's delivery for ticket `reference` until the applier applies it, once by its source
        and delivery id: False when that delivery is in the inbox already (a retry)."""
        ...

    def claim_received(self, now: datetime, lease: float, limit: int) -> list[Received]:
        """Up to `limit` deliveries not yet applied, in the order they came, each held by the caller for `lease`
        seconds: no other instance gets them meanwhile; one whose holder died is given again after that."""
        ...

    def applied(self, outcomes: Sequence[tuple[int, str]], now: datetime) -> None:
        """Deliveries (their ids) applied or refused, each with its outcome, in one transaction: never claimed
        again; what they said is forgotten."""
        ...

    def received_outcome(self, source: str, delivery: str) -> str | None:
        """The outcome of an applied delivery; None when it awaits applying or is not in the inbox."""
        ...

    def purge_received(self, before: datetime) -> None:
        """Forget deliveries applied before `before` (a retry of one after that is applied again: replayed)."""
        ...

    def close(self) -> None: ...
