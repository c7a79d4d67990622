"""The incidents' JSON API: the ongoing incidents for anyone, incident writes and ticket links for staff."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, request_response

from kb_build.model import KnowledgeBase
from status_api import messages
from status_api.auth import require_token
from status_api.bodies import read_json
from status_api.errors import ApiError, json_response
from status_api.incident_views import current_incidents
from status_api.incidents import (
    Incident,
    IncidentIn,
    IncidentUpdateIn,
    apply_incident_update,
    fingerprint,
    incident_from_payload,
)
from status_api.routes.api import _route, idempotency_key, reference_param
from status_api.store import IdempotencyConflict, Store
from status_api.tickets import validate

# The banner of every help-center page reads the ongoing incidents: let browsers and proxies keep the answer a
# little while. An update shows within this many seconds.
CURRENT_MAX_AGE = 30


class IncidentRoutes:
    def __init__(self, kb: KnowledgeBase, store: Store, token: str | None, clock: Callable[[], datetime]) -> None:
        self.kb = kb
        self.store = store
        self.token = token
        self.clock = clock

    def routes(self) -> list[Route]:
        return [
            Route("/api/v1/incidents/current", self.current, methods=["GET"]),
            _route(
                "/api/v1/incidents/{reference}",
                {"PUT": request_response(self.put_incident), "DELETE": request_response(self.delete_incident)},
            ),
            Route("/api/v1/incidents/{reference}/updates", self.add_update, methods=["POST"]),
            _route(
                "/api/v1/incidents/{reference}/tickets/{ticket}",
                {"PUT": request_response(self.link), "DELETE": request_response(self.unlink)},
            ),
        ]

    async def current(self, request: Request) -> Response:
        # Only the ongoing ones matter here: ended incidents are not read at all.
        incidents = await run_in_threadpool(self.store.incidents, self.clock())
        view = current_incidents(incidents, self.kb)
        cache = {"Cache-Control": f"public, max-age={CURRENT_MAX_AGE}"}
        return json_response(view.model_dump(mode="json"), headers=cache)

    async def put_incident(self, request: Request) -> Response:
        require_token(request, self.token)
        reference = reference_param(request, "reference")
        payload = validate(IncidentIn, await read_json(request), self.kb)
        created = await run_in_threadpool(
            self.store.put_incident,
            reference,
            lambda current: incident_from_payload(reference, payload, current, self.kb),
        )
        return _incident(await run_in_threadpool(self.store.incident, reference), 201 if created else 200)

    async def add_update(self, request: Request) -> Response:
        require_token(request, self.token)
        reference = reference_param(request, "reference")
        key = idempotency_key(request)
        update = validate(IncidentUpdateIn, await read_json(request), self.kb)
        now = self.clock()
        try:
            added = await run_in_threadpool(
                self.store.add_incident_update,
                reference,
                lambda incident: apply_incident_update(incident, update, self.kb, now),
                idempotency_key=key,
                fingerprint=fingerprint(update),
            )
        except IdempotencyConflict:
            raise ApiError(422, "idempotency_conflict", messages.IDEMPOTENCY_CONFLICT) from None
        if added is None:
            raise ApiError(404, "not_found", messages.INCIDENT_NOT_FOUND.format(reference=reference))
        if added.replayed:
            return _incident(added.incident, 200, {"Idempotent-Replayed": "true"})
        return _incident(added.incident, 201)

    async def delete_incident(self, request: Request) -> Response:
        require_token(request, self.token)
        reference = reference_param(request, "reference")
        if not await run_in_threadpool(self.store.delete_incident, reference):
            raise ApiError(404, "not_found", messages.INCIDENT_NOT_FOUND.format(reference=reference))
        return Response(status_code=204, headers={"Cache-Control": "no-store"})

    async def link(self, request: Request) -> Response:
        require_token(request, self.token)
        reference = reference_param(request, "reference")
        ticket = reference_param(request, "ticket")
        result = await run_in_threadpool(self.store.link_ticket, ticket, reference)
        if result == "unknown_incident":
            raise ApiError(404, "not_found", messages.INCIDENT_NOT_FOUND.format(reference=reference))
        if result == "unknown_ticket":
            raise ApiError(404, "not_found", messages.TICKET_NOT_FOUND.format(reference=ticket))
        return _incident(await run_in_threadpool(self.store.incident, reference), 200)

    async def unlink(self, request: Request) -> Response:
        require_token(request, self.token)
        reference = reference_param(request, "reference")
        ticket = reference_param(request, "ticket")
        if not await run_in_threadpool(self.store.unlink_ticket, ticket, reference):
            raise ApiError(404, "not_found", messages.TICKET_NOT_LINKED.format(ticket=ticket, reference=reference))
        return Response(status_code=204, headers={"Cache-Control": "no-store"})


def _incident(incident: Incident | None, status: int, headers: dict[str, str] | None = None) -> Response:
    return json_response(incident.model_dump(mode="json") if incident else None, status, headers)
