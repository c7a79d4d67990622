"""How the API answers an error: {"error": {"code": ..., "message": ...}}, and the one place that turns the
domain's errors into it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field
from starlette.responses import JSONResponse

from status_api.domain.errors import (
    AlreadyExists,
    CallIdTaken,
    DomainError,
    IdempotencyConflict,
    Invalid,
    NotFound,
    Problem,
    ProblemCode,
)
from status_api.views.help import Help

# Problems in input (ProblemCode), the answers to the domain's other errors, and HTTP's own.
Code = (
    ProblemCode
    | Literal[
        "not_found",
        "already_exists",
        "idempotency_conflict",
        "busy",
        "unavailable",
        "unauthorized",
        "writes_disabled",
        "unsupported_media_type",
        "body_too_large",
        "method_not_allowed",
        "rate_limited",
        "internal",
        "invalid_page",
        "invalid_vote",
        "invalid_comment",
        "comment_closed",
        "cross_site",
        "invalid_signature",
        "stale_timestamp",
        "not_configured",
    ]
)


class ProblemDetail(BaseModel):
    field: str = Field(description="Where in the body, e.g. call_ids[0]; empty for the body as a whole")
    code: Code
    message: str
    allowed: list[str] | None = Field(
        None, description="The accepted ids, for unknown_id; the states allowed next, for invalid_state_move"
    )


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
    def of(cls, error: DomainError) -> ApiError:
        """The API's answer to a domain error (an outage is answered apart: it needs the data's wording)."""
        if isinstance(error, Invalid):
            return cls._invalid(error)
        for kind, (status, code) in _STATUS.items():
            if isinstance(error, kind):
                return cls(status, code, error.message)
        raise TypeError(f"no HTTP answer for {type(error).__name__}") from error

    @classmethod
    def _invalid(cls, error: Invalid) -> ApiError:
        details = [_detail(p) for p in error.problems]
        codes = {d.code for d in details}
        code: Code = details[0].code if len(codes) == 1 else "invalid_body"
        # 409 when the input is right but the record's state refuses it: an integrator can tell a request to
        # fix from a state to read again.
        return cls(409 if error.conflict else 422, code, error.message, details=details)

    def response(self) -> JSONResponse:
        return json_response(self.body.model_dump(mode="json", exclude_none=True), self.status, self.headers)


def _detail(problem: Problem) -> ProblemDetail:
    return ProblemDetail(
        field=problem.field, code=problem.code, message=problem.message, allowed=list(problem.allowed) or None
    )


_STATUS: dict[type[DomainError], tuple[int, Code]] = {
    NotFound: (404, "not_found"),
    AlreadyExists: (412, "already_exists"),
    CallIdTaken: (409, "conflict"),
    IdempotencyConflict: (422, "idempotency_conflict"),
}


def json_response(content: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> JSONResponse:
    # Answers can hold a ticket's state: no cache, shared or private, keeps them.
    return JSONResponse(content, status, headers={"Cache-Control": "no-store", **(headers or {})})
