"""What anyone may read besides the lookup: the tracking form, "État du service" and its feed, and the JSON of
ongoing incidents for the help center's banner."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from kb_build.paths import SERVICE
from status_api.core import Core, incidents
from status_api.http.errors import json_response
from status_api.views.feed import atom_feed
from status_api.views.html import Renderer
from status_api.views.incidents import current_incidents, service_status
from status_api.views.statuspage import summary

# Public and the same for everyone: a short shared cache spares the database when many customers look at once.
# The banner of every help-center page reads the ongoing incidents: an update shows within this many seconds.
PUBLIC_MAX_AGE = 30
_PUBLIC = {"Cache-Control": f"public, max-age={PUBLIC_MAX_AGE}"}


def tracking_form(renderer: Renderer) -> Callable[[Request], Awaitable[Response]]:
    """GET /suivi: the form alone (its POST is the lookup, see http/lookup.py)."""

    async def form(request: Request) -> Response:
        return HTMLResponse(renderer.page())

    return form


def page_routes(core: Core, renderer: Renderer, public_url: str) -> list[Route]:
    """`public_url` starts the feed's absolute links (STATUS_API_PUBLIC_URL), never a request's Host header."""

    async def status_page(request: Request) -> Response:
        now = core.clock()
        recent = await run_in_threadpool(incidents.recent, core, now)
        return HTMLResponse(renderer.status_page(service_status(recent, core.kb, now)), headers=_PUBLIC)

    async def feed(request: Request) -> Response:
        now = core.clock()
        recent = await run_in_threadpool(incidents.recent, core, now)
        body = atom_feed(recent, core.kb, now, public_url)
        return Response(body, media_type="application/atom+xml; charset=utf-8", headers=_PUBLIC)

    async def current(request: Request) -> Response:
        view = current_incidents(await run_in_threadpool(incidents.ongoing, core), core.kb)
        return json_response(view.model_dump(mode="json"), headers=_PUBLIC)

    async def statuspage_summary(request: Request) -> Response:
        now = core.clock()
        recent = await run_in_threadpool(incidents.recent, core, now)
        view = summary(recent, core.kb, now, public_url)
        return json_response(view.model_dump(mode="json"), headers=_PUBLIC)

    return [
        Route(SERVICE.status_page, status_page, methods=["GET"]),
        Route(SERVICE.statuspage_summary, statuspage_summary, methods=["GET"]),
        # The help center's own "État du service" page lives at this address: serve it live too.
        Route(SERVICE.status_page + "/", status_page, methods=["GET"], include_in_schema=False),
        Route(SERVICE.feed, feed, methods=["GET"]),
        Route(SERVICE.incidents_current, current, methods=["GET"]),
    ]
