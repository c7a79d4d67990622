"""The idempotent update of the Store contract, written once for every backend over its own rows.

Each backend runs it inside its own write transaction and passes its table of the record's kind and its two
statements on idempotency keys (their placeholders differ): the rule itself, a key seen with the same
fingerprint replays and with another conflicts, lives here only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from status_api.domain.errors import IdempotencyConflict
from status_api.domain.outbox import Notice
from status_api.domain.records import Appended, Idempotency, R
from status_api.domain.store import Change, Notify

# (connection, subject, reference, key) -> the fingerprint stored with that key, or None.
SeenKey = Callable[[Any, str, str, str], str | None]
# (connection, subject, reference, idempotency): the key kept with the record.
KeepKey = Callable[[Any, str, str, Idempotency], None]
# (connection, notice): the notice queued in the outbox, in the update's transaction.
QueueNotice = Callable[[Any, Notice], None]


def append(
    conn: Any,
    table: Any,  # the backend's rows.Table of the record's kind
    reference: str,
    change: Change[R],
    idempotency: Idempotency | None,
    recent: int,
    seen: SeenKey,
    keep: KeepKey,
    notify: Notify[R] | None = None,
    queue: QueueNotice | None = None,
) -> Appended[R] | None:
    """Apply `change` to the record and record its update, once per key; None when there is no such record.

    `notify` gives the notice of the update, from the record as stored, queued in the same transaction: a
    replayed update is not told again."""
    record: R | None = table.load(conn, reference, recent)
    if record is None:
        return None
    if idempotency is not None:
        fingerprint = seen(conn, table.subject, reference, idempotency.key)
        if fingerprint is not None:
            if fingerprint != idempotency.fingerprint:
                raise IdempotencyConflict()
            return Appended(record, replayed=True)
    changed, update = change(record)
    table.write_state(conn, changed)
    if update is not None:  # a change of state alone (see the contract)
        table.write_update(conn, reference, update)
    if idempotency is not None:
        keep(conn, table.subject, reference, idempotency)
    stored: R | None = table.load(conn, reference, recent)
    assert stored is not None
    if notify is not None and queue is not None and update is not None:
        notice = notify(stored)
        if notice is not None:
            queue(conn, notice)
    return Appended(stored, replayed=False)


def opened(conn: Any, stored: R, created: bool, notify: Notify[R] | None, queue: QueueNotice) -> None:
    """A created record's notice (an incident's opening), queued in its transaction."""
    if created and notify is not None:
        notice = notify(stored)
        if notice is not None:
            queue(conn, notice)
