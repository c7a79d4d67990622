"""What anyone may read besides the lookup: the tracking form, "État du service" and its feed, the JSON of
ongoing incidents (and maintenance near) for the help center's banner, and the planned maintenance."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from kb_build.model import KnowledgeBase
from kb_build.paths import SERVICE
from status_api.core import Core, incidents, maintenances
from status_api.domain.records import Incident, Maintenance
from status_api.http.errors import json_response
from status_api.http.languages import language_header_dict, negotiate
from status_api.views.feed import atom_feed
from status_api.views.html import Renderer
from status_api.views.incidents import current_incidents, service_status
from status_api.views.maintenances import maintenances_view
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


def page_routes(core: Core, renderers: dict[str, Renderer], public_url: str) -> list[Route]:
    """`renderers`: one per language of the help center, by code, French first; each language has its status
    page and feed at its own address (/etat-du-service, /en/etat-du-service), the JSON follows Accept-Language.
    `public_url` starts the feed's absolute links (STATUS_API_PUBLIC_URL), never a request's Host header."""

    def recent(now: datetime) -> tuple[list[Incident], list[Maintenance]]:
        return incidents.recent(core, now), maintenances.recent(core, now)

    def current(now: datetime) -> tuple[list[Incident], list[Maintenance]]:
        return incidents.ongoing(core), maintenances.current(core, now)

    def status_page(renderer: Renderer) -> Callable[[Request], Awaitable[Response]]:
        async def page(request: Request) -> Response:
            now = core.clock()
            found, planned = await run_in_threadpool(recent, now)
            view = service_status(found, renderer.kb, now, planned)
            headers = {**_PUBLIC, "Content-Language": renderer.kb.language}
            return HTMLResponse(renderer.status_page(view), headers=headers)

        return page

    def feed(kb: KnowledgeBase) -> Callable[[Request], Awaitable[Response]]:
        async def atom(request: Request) -> Response:
            now = core.clock()
            found, planned = await run_in_threadpool(recent, now)
            body = atom_feed(found, kb, now, public_url, planned)
            return Response(body, media_type="application/atom+xml; charset=utf-8", headers=_PUBLIC)

        return atom

    def language(request: Request) -> tuple[KnowledgeBase, dict[str, str]]:
        """The texts in the client's language (Accept-Language), and the headers that say so."""
        code = negotiate(request.headers.get("accept-language", ""), core.kb.languages)
        return core.kb.in_language(code), {**_PUBLIC, **language_header_dict(code)}

    async def ongoing(request: Request) -> Response:
        now = core.clock()
        found, planned = await run_in_threadpool(current, now)
        kb, headers = language(request)
        view = current_incidents(found, kb, now, planned)
        return json_response(view.model_dump(mode="json"), headers=headers)

    async def statuspage_summary(request: Request) -> Response:
        now = core.clock()
        found, planned = await run_in_threadpool(recent, now)
        kb, headers = language(request)
        view = summary(found, kb, now, public_url, planned)
        return json_response(view.model_dump(mode="json"), headers=headers)

    async def maintenance_list(request: Request) -> Response:
        now = core.clock()
        planned = await run_in_threadpool(maintenances.recent, core, now)
        kb, headers = language(request)
        view = maintenances_view(planned, kb, now, incidents.history_start(core, now))
        return json_response(view.model_dump(mode="json"), headers=headers)

    routes = [
        Route(SERVICE.statuspage_summary, statuspage_summary, methods=["GET"]),
        Route(SERVICE.incidents_current, ongoing, methods=["GET"]),
        Route(SERVICE.maintenances, maintenance_list, methods=["GET"]),
    ]
    for renderer in renderers.values():
        service, page = renderer.service, status_page(renderer)
        routes += [
            Route(service.status_page, page, methods=["GET"]),
            # The help center's own "État du service" page lives at this address: serve it live too.
            Route(service.status_page + "/", page, methods=["GET"], include_in_schema=False),
            Route(service.feed, feed(renderer.kb), methods=["GET"]),
        ]
    return routes
