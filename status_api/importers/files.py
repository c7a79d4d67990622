"""Tickets from a YAML or JSON file, checked like the data files: every problem as file:line:column, or none."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from pydantic import Field

from kb_build.source import Source, parse
from status_api.core import Core, tickets
from status_api.domain import messages
from status_api.domain.errors import CallIdTaken, Invalid, Loc, NotFound, Problem
from status_api.domain.incidents import imported_incident
from status_api.domain.maintenances import imported_maintenance
from status_api.domain.payloads import (
    ImportedIncident,
    ImportedMaintenance,
    ImportedTicket,
    Moment,
    Payload,
    Validator,
)
from status_api.domain.records import Incident, Maintenance, Ticket
from status_api.domain.tickets import imported_updates, ticket_from_payload


class ImportFile(Payload):
    now: Moment | None = Field(None, description="The moment the file's dates were written for (--shift-to-now)")
    tickets: list[ImportedTicket]
    incidents: list[ImportedIncident] = Field(default_factory=list)
    maintenances: list[ImportedMaintenance] = Field(default_factory=list)


@dataclass(frozen=True)
class Contents:
    tickets: list[Ticket]
    incidents: list[Incident]
    maintenances: list[Maintenance] = field(default_factory=list)


class ImportFailed(Exception):
    """The file cannot be imported: `errors` says why, each as file:line:column (nothing was written)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def import_file(core: Core, path: Path, *, now: datetime | None = None) -> Contents:
    """Read and check the file, then write its tickets and incidents in one transaction; with `now`, their
    dates shifted so that the file's own `now` becomes this one. ImportFailed, located, on any problem."""
    contents = read_file(path, core.validate, now=now)
    try:
        tickets.import_many(core, contents.tickets, contents.incidents, contents.maintenances)
    except NotFound as unknown:
        index, position = next(
            (i, n.tickets.index(unknown.reference))
            for i, n in enumerate(contents.incidents)
            if unknown.reference in n.tickets
        )
        message = messages.UNKNOWN_TICKET.format(reference=unknown.reference)
        raise ImportFailed([_locate(path, ("incidents", index, "tickets", position), message)]) from None
    except CallIdTaken as taken:
        index, position = next(
            (i, t.call_ids.index(taken.call_id)) for i, t in enumerate(contents.tickets) if taken.call_id in t.call_ids
        )
        raise ImportFailed([_locate(path, ("tickets", index, "call_ids", position), taken.message)]) from None
    return contents


def read_file(path: Path, validate: Validator, *, now: datetime | None = None) -> Contents:
    """The file's tickets and incidents, every problem at once (see import_file)."""
    shown = str(path)
    source = _source(path, shown)
    kb = validate.kb
    try:
        contents = validate(ImportFile, source.data)
    except Invalid as error:
        raise ImportFailed(_located(source, error.problems)) from None
    tickets, incidents, planned = contents.tickets, contents.incidents, contents.maintenances
    if now is not None:
        if contents.now is None:
            raise ImportFailed([f"{shown}:1:1: {messages.SHIFT_WITHOUT_NOW}"])
        delta = now - contents.now
        tickets = [_shifted(ticket, delta, "opened_at", "resolved_at") for ticket in tickets]
        incidents = [_shifted(incident, delta, "started_at", "ended_at") for incident in incidents]
        planned = [
            m.model_copy(update={"starts_at": m.starts_at + delta, "ends_at": m.ends_at + delta}) for m in planned
        ]

    problems: list[Problem] = []
    result: list[Ticket] = []
    references: set[str] = set()
    call_ids: set[str] = set()
    for index, imported in enumerate(tickets):
        at: Loc = ("tickets", index)
        try:
            ticket = ticket_from_payload(imported.reference, imported, kb, prefix=at)
            ticket = imported_updates(ticket, imported.updates, prefix=at)
        except Invalid as error:
            problems.extend(error.problems)
            continue
        problems += _repeated(references, [((*at, "reference"), ticket.reference)], messages.DUPLICATE_REFERENCE)
        found = [((*at, "call_ids", n), call_id) for n, call_id in enumerate(ticket.call_ids)]
        problems += _repeated(call_ids, found, messages.DUPLICATE_CALL_ID)
        result.append(ticket)
    incident_references: set[str] = set()
    linked: set[str] = set()
    read_incidents: list[Incident] = []
    for index, imported_one in enumerate(incidents):
        at = ("incidents", index)
        try:
            incident = imported_incident(imported_one, kb, prefix=at)
        except Invalid as error:
            problems.extend(error.problems)
            continue
        found = [((*at, "reference"), incident.reference)]
        problems += _repeated(incident_references, found, messages.DUPLICATE_REFERENCE)
        found = [((*at, "tickets", n), reference) for n, reference in enumerate(incident.tickets)]
        problems += _repeated(linked, found, messages.DUPLICATE_REFERENCE)
        read_incidents.append(incident)
    maintenance_references: set[str] = set()
    read_maintenances: list[Maintenance] = []
    announced = now or contents.now or datetime.now(UTC)
    for index, imported_planned in enumerate(planned):
        at = ("maintenances", index)
        try:
            maintenance = imported_maintenance(imported_planned, at, announced)
        except Invalid as error:
            problems.extend(error.problems)
            continue
        found = [((*at, "reference"), maintenance.reference)]
        problems += _repeated(maintenance_references, found, messages.DUPLICATE_REFERENCE)
        read_maintenances.append(maintenance)
    if problems:
        raise ImportFailed(_located(source, problems))
    return Contents(result, read_incidents, read_maintenances)


def _repeated(seen: set[str], found: list[tuple[Loc, str]], template: str) -> list[Problem]:
    """A problem for each value seen before in the file (the message's one placeholder gets the value); the
    values are then seen."""
    problems = [
        Problem(loc, "invalid_body", template.format_map(_Value(value))) for loc, value in found if value in seen
    ]
    seen.update(value for _, value in found)
    return problems


class _Value(dict[str, str]):
    """Whatever the placeholder's name ({reference}, {call_id}), the value."""

    def __init__(self, value: str) -> None:
        super().__init__()
        self.value = value

    def __missing__(self, key: str) -> str:
        return self.value


def _locate(path: Path, loc: tuple[str | int, ...], message: str) -> str:
    """A problem found after reading (by the store), at its place in the file."""
    return _located(_source(path, str(path)), [Problem(loc, "conflict", message)])[0]


def _source(path: Path, shown: str) -> Source:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ImportFailed([f"{shown}:1:1: {messages.FILE_NOT_FOUND}"]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ImportFailed([f"{shown}:1:1: {messages.FILE_UNREADABLE.format(reason=error)}"]) from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ImportFailed([f"{shown}:{error.lineno}:{error.colno}: {messages.JSON_SYNTAX}"]) from None
        # JSON is YAML, so the YAML reader gives the positions; when it cannot, the data stands without them.
        source = parse(shown, text)
        return source if not source.problems else Source(shown, data)
    source = parse(shown, text)
    if source.problems:
        raise ImportFailed([str(problem) for problem in source.problems])
    return source


def _located(source: Source, problems: Sequence[Problem]) -> list[str]:
    # A missing field has no place of its own: Source.position falls back to the mapping that lacks it.
    placed = sorted(((source.position(p.loc), p) for p in problems), key=lambda pair: (pair[0].line, pair[0].column))
    return [f"{source.file}:{where.line}:{where.column}: {problem.describe()}" for where, problem in placed]


_Shifted = TypeVar("_Shifted", ImportedTicket, ImportedIncident)


def _shifted(record: _Shifted, delta: timedelta, start: str, end: str) -> _Shifted:
    """The record and its updates moved by `delta`: its `start` field, its `end` field (when set) and each
    update's date."""
    ended = getattr(record, end)
    return record.model_copy(
        update={
            start: getattr(record, start) + delta,
            end: ended + delta if ended else None,
            "updates": [u.model_copy(update={"at": u.at + delta}) for u in record.updates],
        }
    )
