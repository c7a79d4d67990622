"""What can go wrong, as one tree of errors: every front door (HTTP, the CLI, importers) turns them into its answer.

DomainError                  a message in French, for the person who caused it
├── Invalid                  the input breaks rules: every Problem at once (field, code, message)
├── NotFound                 no such ticket, incident or maintenance (or no such link, see not_linked)
├── AlreadyExists            a creation that must not replace
├── CallIdTaken              a call ID already belongs to another ticket
├── IdempotencyConflict      an Idempotency-Key reused for another request
└── StoreUnavailable         the database cannot answer now: retry later
    └── StoreBusy            locked by another writer past the wait
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from status_api.domain import messages

# The stable codes of problems in input; the HTTP side adds its own (unauthorized, rate_limited, ...).
ProblemCode = Literal[
    "invalid_body",
    "invalid_call_id",
    "invalid_reference",
    "unknown_id",
    "invalid_state_move",
    "conflict",
    "invalid_window",
    "window_in_past",
    "maintenance_closed",
    "maintenance_started",
    "before_start",  # a date before the ticket's opening or the incident's start
    "not_final_step",  # a ticket resolved at another step than the last
]
Loc = tuple[str | int, ...]
Subject = Literal["ticket", "incident", "maintenance"]


@dataclass(frozen=True)
class Problem:
    loc: Loc
    code: ProblemCode
    message: str
    allowed: tuple[str, ...] = ()
    # Refused because of the record's current state (a move its state does not allow, a date before its
    # opening), not because of the input alone: the same input may be right for another record.
    conflict: bool = False

    @property
    def field(self) -> str:
        return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in self.loc).lstrip(".")

    def describe(self) -> str:
        return f"{self.field} : {self.message}" if self.loc else self.message


class DomainError(Exception):
    """A request that cannot be done; `message` says why, in French."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Invalid(DomainError):
    def __init__(self, problems: Sequence[Problem]) -> None:
        described = [problem.describe() for problem in problems]
        super().__init__(described[0] if len(described) == 1 else messages.several(described))
        self.problems = tuple(problems)

    @property
    def conflict(self) -> bool:
        """Every problem is with the record's current state: the input itself breaks no rule."""
        return all(problem.conflict for problem in self.problems)


class Problems:
    """Collects every problem of an input, so that staff fix them all in one go."""

    def __init__(self, prefix: Loc = ()) -> None:
        self.prefix = prefix
        self.found: list[Problem] = []

    def add(
        self,
        loc: Loc,
        message: str,
        code: ProblemCode = "invalid_body",
        allowed: Iterable[str] = (),
        *,
        conflict: bool = False,
    ) -> None:
        self.found.append(Problem((*self.prefix, *loc), code, message, tuple(allowed), conflict))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.found.extend(problems)

    def raise_any(self) -> None:
        if self.found:
            raise Invalid(self.found)


class NotFound(DomainError):
    def __init__(self, subject: Subject, reference: str, message: str | None = None) -> None:
        template = messages.NOT_FOUND[subject]
        super().__init__(message or template.format(reference=reference))
        self.subject = subject
        self.reference = reference


def not_linked(ticket: str, incident: str) -> NotFound:
    return NotFound("ticket", ticket, messages.TICKET_NOT_LINKED.format(ticket=ticket, reference=incident))


class AlreadyExists(DomainError):
    def __init__(self, subject: Subject, reference: str) -> None:
        super().__init__(messages.EXISTS[subject].format(reference=reference))
        self.subject = subject
        self.reference = reference


class CallIdTaken(DomainError):
    def __init__(self, call_id: str, reference: str, index: int | None = None) -> None:
        super().__init__(messages.CALL_ID_TAKEN.format(call_id=call_id, reference=reference))
        self.call_id = call_id
        self.reference = reference
        # In an import, the position in the stream of the ticket that asked for the call ID.
        self.index = index


class IdempotencyConflict(DomainError):
    def __init__(self) -> None:
        super().__init__(messages.IDEMPOTENCY_CONFLICT)


class StoreUnavailable(DomainError):
    """The database cannot answer now: missing, read-only, full, damaged or locked; callers answer "retry"."""


class StoreBusy(StoreUnavailable):
    """The database is locked by another writer for longer than the wait allowed."""
