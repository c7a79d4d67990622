"""Staff's writes over HTTP: tickets, incidents, the links between them, and maintenances, each behind the token."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, request_response

from kb_build.paths import SERVICE
from status_api.core import Core, incidents, maintenances, tickets
from status_api.http.auth import require_token
from status_api.http.routes import route
from status_api.http.routes.records import record_response, record_routes


def write_routes(core: Core, token: str | None) -> list[Route]:
    routes = []
    for use_cases, address, updates in (
        (tickets, SERVICE.ticket, SERVICE.ticket_updates),
        (incidents, SERVICE.incident, SERVICE.incident_updates),
        (maintenances, SERVICE.maintenance, SERVICE.maintenance_updates),
    ):
        routes += record_routes(core, token, use_cases, address=address, updates=updates)
    return [*routes, *_link_routes(core, token)]


def _link_routes(core: Core, token: str | None) -> list[Route]:
    async def link(request: Request) -> Response:
        require_token(request, token)
        reference, ticket = request.path_params["reference"], request.path_params["ticket"]
        return record_response(await run_in_threadpool(incidents.link, core, reference, ticket), 200)

    async def unlink(request: Request) -> Response:
        require_token(request, token)
        reference, ticket = request.path_params["reference"], request.path_params["ticket"]
        await run_in_threadpool(incidents.unlink, core, reference, ticket)
        return Response(status_code=204, headers={"Cache-Control": "no-store"})

    return [route(SERVICE.incident_ticket, {"PUT": request_response(link), "DELETE": request_response(unlink)})]
