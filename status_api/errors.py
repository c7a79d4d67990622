"""Problems found in input, and how the API answers them: {"error": {"code": ..., "message": ...}}."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field
from starlette.responses import JSONResponse

from status_api import messages

Code = Literal[
    "not_found",
    "invalid_call_id",
    "invalid_body",
    "invalid_reference",
    "unknown_id",
    "invalid_state_move",
    "unauthorized",
    "writes_disabled",
    "conflict",
    "idempotency_conflict",
    "unsupported_media_type",
    "body_too_large",
    "method_not_allowed",
    "busy",
    "unavailable",
    "rate_limited",
    "internal",
]
Loc = tuple[str | int, ...]


def is_api(path: str) -> bool:
    """Whether an address is the API's, whose every answer, errors included, is JSON."""
    return path == "/api" or path.startswith("/api/")


@dataclass(frozen=True)
class Problem:
    loc: Loc
    code: Code
    message: str
    allowed: tuple[str, ...] = ()

    @property
    def field(self) -> str:
        return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in self.loc).lstrip(".")

    def describe(self) -> str:
        return f"{self.field} : {self.message}" if self.loc else self.message


class PayloadError(Exception):
    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(p.describe() for p in problems))
        self.problems = tuple(problems)


class ProblemDetail(BaseModel):
    field: str = Field(description="Where in the body, e.g. call_ids[0]; empty for the body as a whole")
    code: Code
    message: str
    allowed: list[str] | None = Field(
        None, description="The accepted ids, for unknown_id; the states allowed next, for invalid_state_move"
    )


class Link(BaseModel):
    title: str
    url: str


class Contact(BaseModel):
    """Support's contact: the company's, never a person's."""

    title: str
    url: str = Field(description="The contact section of the help center")
    email: str
    phone: str
    hours: str
    form_url: str | None


class Help(BaseModel):
    """Where a customer goes next: the call-ID how-to and support contact."""

    howto: Link
    contact: Contact


class ErrorInfo(BaseModel):
    code: Code
    message: str
    details: list[ProblemDetail] | None = None
    help: Help | None = None


class ErrorBody(BaseModel):
    error: ErrorInfo


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: Code,
        message: str,
        *,
        details: Sequence[ProblemDetail] = (),
        help: Help | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = ErrorBody(error=ErrorInfo(code=code, message=message, details=list(details) or None, help=help))
        self.headers = dict(headers or {})

    @classmethod
    def from_problems(cls, problems: Sequence[Problem]) -> ApiError:
        details = [
            ProblemDetail(field=p.field, code=p.code, message=p.message, allowed=list(p.allowed) or None)
            for p in problems
        ]
        codes = {d.code for d in details}
        code: Code = details[0].code if len(codes) == 1 else "invalid_body"
        described = [p.describe() for p in problems]
        message = described[0] if len(described) == 1 else messages.several(described)
        return cls(422, code, message, details=details)

    def response(self) -> JSONResponse:
        return json_response(self.body.model_dump(mode="json", exclude_none=True), self.status, self.headers)


def json_response(content: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> JSONResponse:
    # Answers can hold a ticket's state: no cache, shared or private, keeps them.
    return JSONResponse(content, status, headers={"Cache-Control": "no-store", **(headers or {})})
