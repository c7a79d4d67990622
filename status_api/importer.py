"""Tickets from a YAML or JSON file, checked like the data files: every problem as file:line:column, or none."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import Field

from kb_build.model import KnowledgeBase
from kb_build.source import Source, parse
from status_api import messages
from status_api.errors import PayloadError, Problem
from status_api.incidents import ImportedIncident, Incident, imported_incident
from status_api.tickets import (
    ImportedTicket,
    Moment,
    Payload,
    Ticket,
    imported_updates,
    ticket_from_payload,
    validate,
)


class ImportFile(Payload):
    now: Moment | None = Field(None, description="The moment the file's dates were written for (--shift-to-now)")
    tickets: list[ImportedTicket]
    incidents: list[ImportedIncident] = Field(default_factory=list)


@dataclass(frozen=True)
class Contents:
    tickets: list[Ticket]
    incidents: list[Incident]


class ImportFailed(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def read_tickets(path: Path, kb: KnowledgeBase, *, now: datetime | None = None) -> list[Ticket]:
    """The file's tickets; with `now`, their dates shifted so that the file's own `now` becomes this one."""
    return read_file(path, kb, now=now).tickets


def read_file(path: Path, kb: KnowledgeBase, *, now: datetime | None = None) -> Contents:
    """The file's tickets and incidents, every problem at once; with `now`, their dates shifted like read_tickets."""
    shown = str(path)
    source = _source(path, shown)
    try:
        contents = validate(ImportFile, source.data, kb)
    except PayloadError as error:
        raise ImportFailed(_located(source, error.problems)) from None
    tickets, incidents = contents.tickets, contents.incidents
    if now is not None:
        if contents.now is None:
            raise ImportFailed([f"{shown}:1:1: {messages.SHIFT_WITHOUT_NOW}"])
        tickets = [_shifted(ticket, now - contents.now) for ticket in tickets]
        incidents = [_shifted_incident(incident, now - contents.now) for incident in incidents]

    problems: list[Problem] = []
    result: list[Ticket] = []
    references: set[str] = set()
    call_ids: set[str] = set()
    for index, imported in enumerate(tickets):
        at = ("tickets", index)
        try:
            ticket = ticket_from_payload(imported.reference, imported, kb, prefix=at)
            ticket = imported_updates(ticket, imported.updates, prefix=at)
        except PayloadError as error:
            problems.extend(error.problems)
            continue
        if ticket.reference in references:
            message = messages.DUPLICATE_REFERENCE.format(reference=ticket.reference)
            problems.append(Problem((*at, "reference"), "invalid_body", message))
        for position, call_id in enumerate(ticket.call_ids):
            if call_id in call_ids:
                message = messages.DUPLICATE_CALL_ID.format(call_id=call_id)
                problems.append(Problem((*at, "call_ids", position), "invalid_body", message))
        references.add(ticket.reference)
        call_ids.update(ticket.call_ids)
        result.append(ticket)
    linked: set[str] = set()
    read_incidents: list[Incident] = []
    for index, imported_one in enumerate(incidents):
        at = ("incidents", index)
        try:
            incident = imported_incident(imported_one, kb, prefix=at)
        except PayloadError as error:
            problems.extend(error.problems)
            continue
        if any(other.reference == incident.reference for other in read_incidents):
            message = messages.DUPLICATE_REFERENCE.format(reference=incident.reference)
            problems.append(Problem((*at, "reference"), "invalid_body", message))
        for position, ticket_reference in enumerate(incident.tickets):
            if ticket_reference in linked:
                message = messages.DUPLICATE_REFERENCE.format(reference=ticket_reference)
                problems.append(Problem((*at, "tickets", position), "invalid_body", message))
        linked.update(incident.tickets)
        read_incidents.append(incident)
    if problems:
        raise ImportFailed(_located(source, problems))
    return Contents(result, read_incidents)


def locate(path: Path, loc: tuple[str | int, ...], message: str) -> str:
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


def _shifted(ticket: ImportedTicket, delta: timedelta) -> ImportedTicket:
    return ticket.model_copy(
        update={
            "opened_at": ticket.opened_at + delta,
            "resolved_at": ticket.resolved_at + delta if ticket.resolved_at else None,
            "updates": [u.model_copy(update={"at": u.at + delta}) for u in ticket.updates],
        }
    )


def _shifted_incident(incident: ImportedIncident, delta: timedelta) -> ImportedIncident:
    return incident.model_copy(
        update={
            "started_at": incident.started_at + delta,
            "ended_at": incident.ended_at + delta if incident.ended_at else None,
            "updates": [u.model_copy(update={"at": u.at + delta}) for u in incident.updates],
        }
    )
