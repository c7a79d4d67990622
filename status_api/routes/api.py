"""The JSON API: lookup by call ID for customers, ticket writes for staff, health and the OpenAPI document."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, request_response
from starlette.types import ASGIApp

from kb_build.model import KnowledgeBase
from status_api import messages
from status_api.auth import require_token
from status_api.bodies import parse_json, read_json, read_json_bytes
from status_api.endpoint import JSON, Answer, ByMethod, Endpoint
from status_api.errors import ApiError, json_response
from status_api.lookup import LOOKUP_MAX_LENGTH, Found, Invalid, LookupIn, NotFound, help_links, look_up
from status_api.lookup_cache import LookupCache
from status_api.store import CallIdTaken, IdempotencyConflict, Store
from status_api.tickets import (
    TicketIn,
    UpdateIn,
    apply_update,
    check_reference,
    fingerprint,
    ticket_from_payload,
    validate,
)

_IDEMPOTENCY_KEY_CHARS = frozenset(chr(c) for c in range(0x21, 0x7F))


class ApiRoutes:
    def __init__(
        self,
        kb: KnowledgeBase,
        store: Store,
        token: str | None,
        openapi: dict[str, Any],
        clock: Callable[[], datetime],
        cache: LookupCache | None = None,
    ) -> None:
        self.cache = cache
        self.kb = kb
        self._not_found = bytes(
            ApiError(404, "not_found", kb.tracking.result.not_found, help=help_links(kb)).response().body
        )
        self.store = store
        self.token = token
        self.openapi_document = openapi
        self.clock = clock

    def lookup_routes(self) -> list[Route]:
        return [Route("/api/v1/lookup", Endpoint(self.lookup), methods=["POST"])]

    def routes(self) -> list[Route]:
        return [
            _route(
                "/api/v1/tickets/{reference}",
                {"PUT": request_response(self.put_ticket), "DELETE": request_response(self.delete_ticket)},
            ),
            Route("/api/v1/tickets/{reference}/updates", self.add_update, methods=["POST"]),
            Route("/healthz", self.healthz, methods=["GET"]),
            Route("/api/openapi.json", self.openapi, methods=["GET"]),
        ]

    async def lookup(self, request: Request) -> Answer:
        body = await read_json_bytes(request)
        plain = _PLAIN_LOOKUP.fullmatch(body)
        call_id = plain.group(1).decode("ascii") if plain else _call_id(parse_json(body), self.kb)
        outcome = look_up(call_id, self.kb, self.store, self.clock, self.cache)
        match outcome:
            case Found(view, entry):
                return Answer(200, JSON, entry.rendered("json", lambda: view.model_dump_json().encode()))
            case NotFound():
                # The one answer for every unknown call ID, its body made once.
                return Answer(404, JSON, self._not_found)
            case Invalid(message):
                raise ApiError(422, "invalid_call_id", message, help=help_links(self.kb))

    async def put_ticket(self, request: Request) -> Response:
        require_token(request, self.token)
        reference = _reference(request)
        ticket = ticket_from_payload(reference, validate(TicketIn, await read_json(request), self.kb), self.kb)
        try:
            created = await run_in_threadpool(self.store.put, ticket)
        except CallIdTaken as taken:
            message = messages.CALL_ID_TAKEN.format(call_id=taken.call_id, reference=taken.reference)
            raise ApiError(409, "conflict", message) from None
        stored = await run_in_threadpool(self.store.by_reference, reference)
        return json_response(stored.model_dump(mode="json") if stored else None, 201 if created else 200)

    async def add_update(self, request: Request) -> Response:
        require_token(request, self.token)
        reference = _reference(request)
        key = idempotency_key(request)
        update = validate(UpdateIn, await read_json(request), self.kb)
        now = self.clock()
        try:
            added = await run_in_threadpool(
                self.store.add_update,
                reference,
                lambda ticket: apply_update(ticket, update, self.kb, now),
                idempotency_key=key,
                fingerprint=fingerprint(update),
            )
        except IdempotencyConflict:
            raise ApiError(422, "idempotency_conflict", messages.IDEMPOTENCY_CONFLICT) from None
        if added is None:
            raise ApiError(404, "not_found", messages.TICKET_NOT_FOUND.format(reference=reference))
        if added.replayed:
            return json_response(added.ticket.model_dump(mode="json"), 200, {"Idempotent-Replayed": "true"})
        return json_response(added.ticket.model_dump(mode="json"), 201)

    async def delete_ticket(self, request: Request) -> Response:
        require_token(request, self.token)
        reference = _reference(request)
        if not await run_in_threadpool(self.store.delete, reference):
            raise ApiError(404, "not_found", messages.TICKET_NOT_FOUND.format(reference=reference))
        return Response(status_code=204, headers={"Cache-Control": "no-store"})

    async def healthz(self, request: Request) -> Response:
        return json_response({"status": "ok"})

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(self.openapi_document)


# The body nearly every client sends, {"call_id": "..."} with printable ASCII and no escapes in the string:
# taken as the JSON parser and LookupIn would take it, at a fraction of their cost. (JSON's whitespace is
# these four characters; the class excludes '"' and backslash; each byte is one character of the limit.)
_SPACE = rb"[ \t\n\r]*"
_PLAIN_LOOKUP = re.compile(
    _SPACE + rb"\{" + _SPACE + rb'"call_id"' + _SPACE + rb":" + _SPACE
    + rb'"([\x20\x21\x23-\x5b\x5d-\x7e]{0,%d})"' % LOOKUP_MAX_LENGTH
    + _SPACE + rb"\}" + _SPACE
)  # fmt: skip


def _call_id(data: object, kb: KnowledgeBase) -> str:
    """The call ID of any other lookup body; the model says what is wrong with it."""
    return validate(LookupIn, data, kb).call_id


def _reference(request: Request) -> str:
    return reference_param(request, "reference")


def reference_param(request: Request, name: str) -> str:
    """A reference from the path, checked: ticket and incident references follow the same pattern."""
    reference: str = request.path_params[name]
    problem = check_reference(reference)
    if problem is not None:
        raise ApiError(422, "invalid_reference", problem.message)
    return reference


def idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is not None and not (0 < len(key) <= 200 and set(key) <= _IDEMPOTENCY_KEY_CHARS):
        raise ApiError(400, "invalid_body", messages.INVALID_IDEMPOTENCY_KEY)
    return key


def _route(path: str, apps: dict[str, ASGIApp]) -> Route:
    """One route for an address that takes several methods (see ByMethod)."""
    endpoint = ByMethod(apps)
    return Route(path, endpoint, methods=endpoint.methods)
