"""The writes tickets, incidents and maintenances share: create or replace, append a public update once, delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from status_api.core import Core
from status_api.domain.errors import AlreadyExists, Invalid, NotFound, Subject
from status_api.domain.payloads import check_reference, fingerprint
from status_api.domain.records import Appended, Idempotency, Incident, Maintenance, R, Ticket, Written
from status_api.domain.store import Notify

SUBJECTS: dict[type, Subject] = {Ticket: "ticket", Incident: "incident", Maintenance: "maintenance"}


def checked(reference: str) -> str:
    problem = check_reference(reference)
    if problem is not None:
        raise Invalid([problem])
    return reference


def put(
    core: Core,
    subject: type[R],
    reference: str,
    build: Callable[[R | None], R],
    *,
    if_absent: bool,
    notify: Notify[R] | None = None,
) -> Written[R]:
    """Create or replace; with `if_absent`, AlreadyExists rather than replace (decided inside the transaction)."""
    checked(reference)

    def guarded(current: R | None) -> R:
        if if_absent and current is not None:
            raise AlreadyExists(SUBJECTS[subject], reference)
        return build(current)

    record, created = core.store.put(subject, reference, guarded, notify=notify)
    return Written(record, created)


def append_update(
    core: Core,
    subject: type[R],
    reference: str,
    payload: BaseModel,
    change: Callable[[R], tuple[R, Any]],
    key: str | None,
    *,
    notify: Notify[R] | None = None,
) -> Appended[R]:
    """Append a public update, optionally moving the record's state; a retry with the same key adds nothing."""
    checked(reference)
    idempotency = Idempotency(key, fingerprint(payload)) if key is not None else None
    appended = core.store.append_update(subject, reference, change, idempotency=idempotency, notify=notify)
    if appended is None:
        raise NotFound(SUBJECTS[subject], reference)
    return appended


def delete(core: Core, subject: type[R], reference: str) -> None:
    if not core.store.delete(subject, checked(reference)):
        raise NotFound(SUBJECTS[subject], reference)
