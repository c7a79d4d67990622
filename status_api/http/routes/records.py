"""Staff's writes over HTTP, alike for tickets and incidents: thin adapters over the use cases (core/)."""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, request_response

from status_api.core import Core
from status_api.domain import messages
from status_api.domain.records import Appended, Written
from status_api.http.auth import require_token
from status_api.http.bodies import read_json
from status_api.http.errors import ApiError, json_response
from status_api.http.routes import route

_IDEMPOTENCY_KEY_CHARS = frozenset(chr(c) for c in range(0x21, 0x7F))


class UseCases(Protocol):
    """What a record's use cases module offers (status_api.core.tickets, status_api.core.incidents)."""

    def put(self, core: Core, reference: str, data: object, *, if_absent: bool = False) -> Written[Any]: ...

    def add_update(self, core: Core, reference: str, data: object, *, key: str | None = None) -> Appended[Any]: ...

    def delete(self, core: Core, reference: str) -> None: ...


def record_routes(core: Core, token: str | None, use_cases: UseCases, *, address: str, updates: str) -> list[Route]:
    """PUT and DELETE at `address`, POST of a public update at `updates`, each behind the token."""
    put, delete, add_update = use_cases.put, use_cases.delete, use_cases.add_update

    async def put_record(request: Request) -> Response:
        require_token(request, token)
        if_absent = _create_only(request)
        data = await read_json(request)
        written = await run_in_threadpool(put, core, request.path_params["reference"], data, if_absent=if_absent)
        return record_response(written.record, 201 if written.created else 200)

    async def delete_record(request: Request) -> Response:
        require_token(request, token)
        await run_in_threadpool(delete, core, request.path_params["reference"])
        return Response(status_code=204, headers={"Cache-Control": "no-store"})

    async def add(request: Request) -> Response:
        require_token(request, token)
        key = idempotency_key(request)
        data = await read_json(request)
        added = await run_in_threadpool(add_update, core, request.path_params["reference"], data, key=key)
        if added.replayed:
            return record_response(added.record, 200, {"Idempotent-Replayed": "true"})
        return record_response(added.record, 201)

    return [
        route(address, {"PUT": request_response(put_record), "DELETE": request_response(delete_record)}),
        Route(updates, add, methods=["POST"]),
    ]


def record_response(record: BaseModel, status: int, headers: dict[str, str] | None = None) -> Response:
    return json_response(record.model_dump(mode="json"), status, headers)


def _create_only(request: Request) -> bool:
    """If-None-Match: * asks to create only: 412 already_exists rather than replace (the CLI's create)."""
    value = request.headers.get("if-none-match")
    if value is not None and value.strip() != "*":
        # No record has an ETag to match: any other value is a mistake, not a condition that holds.
        raise ApiError(400, "invalid_body", messages.IF_NONE_MATCH)
    return value is not None


def idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is not None and not (0 < len(key) <= 200 and set(key) <= _IDEMPOTENCY_KEY_CHARS):
        raise ApiError(400, "invalid_body", messages.INVALID_IDEMPOTENCY_KEY)
    return key
