"""Tickets and incidents as stored: ids from data/*.yml, normalised call IDs, dates in UTC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class Update(_Record):
    at: datetime
    text: str | None = None
    step: str | None = None
    team: str | None = None


class Ticket(_Record):
    reference: str
    issue_type: str
    step: str
    team: str
    opened_at: datetime
    resolved_at: datetime | None = None
    prioritised: bool = False
    call_ids: tuple[str, ...]
    skipped_steps: tuple[str, ...] = ()
    updates: tuple[Update, ...] = Field(
        (), description="Its latest public updates (a store reads no more), oldest first"
    )
    update_count: int = Field(0, description="How many public updates it has in all")
    incident: str | None = Field(None, description="The incident it is linked to; linked through the incident's API")
    helpdesk_at: datetime | None = Field(
        None, description="The helpdesk's time of the latest change applied from it; older deliveries change nothing"
    )


class IncidentUpdate(_Record):
    id: int | None = Field(None, description="Given by the store; never reused, so that feed entries keep their id")
    at: datetime
    text: str | None = None
    state: str | None = Field(None, description="The state the incident moved to with this update")


class Incident(_Record):
    reference: str
    title: str
    services: tuple[str, ...]
    state: str
    started_at: datetime
    ended_at: datetime | None = None
    impact: str | None = Field(
        None, description="The service state it puts its services in; None: the data's default_impact"
    )
    updates: tuple[IncidentUpdate, ...] = Field((), description="Oldest first; the first one opens the incident")
    tickets: tuple[str, ...] = Field((), description="References of the linked tickets (staff only)")

    @property
    def ongoing(self) -> bool:
        return self.ended_at is None


class MaintenanceUpdate(_Record):
    id: int | None = Field(None, description="Given by the store; never reused, so that feed entries keep their id")
    at: datetime
    text: str | None = None
    starts_at: datetime | None = Field(None, description="The new start, when this update moved the window")
    ends_at: datetime | None = Field(None, description="The new end, when this update moved the window")
    cancelled: bool = Field(False, description="This update cancelled the maintenance (or ended it early)")


class Maintenance(_Record):
    """Planned maintenance: a window and the services concerned. Its phase (planned, in progress, completed,
    cancelled) is never stored: the clock decides it (domain/maintenances.py)."""

    reference: str
    title: str
    message: str = Field(description="What customers read about it")
    services: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime
    cancelled_at: datetime | None = Field(None, description="When it was cancelled before it started")
    updates: tuple[MaintenanceUpdate, ...] = Field((), description="Oldest first; the first one announces it")


class Vote(_Record):
    """A reader's answer to "was this article useful?": the page's path, yes or no, when; nothing about who."""

    page: str
    useful: bool
    at: datetime
    comment: str | None = Field(None, description="What the reader added after a no, if anything")


# What takes public updates: a ticket, an incident or a maintenance, each with its kind of update.
Subjects = Ticket | Incident | Maintenance
R = TypeVar("R", Ticket, Incident, Maintenance)


@dataclass(frozen=True)
class Written(Generic[R]):
    """A record after a create-or-replace; `created` when there was none before."""

    record: R
    created: bool


@dataclass(frozen=True)
class Appended(Generic[R]):
    """A record after a public update; `replayed` when the Idempotency-Key had been seen: nothing was added."""

    record: R
    replayed: bool


@dataclass(frozen=True)
class Idempotency:
    """A retried request is the same request when its key and its fingerprint (a hash of its body) match."""

    key: str
    fingerprint: str
