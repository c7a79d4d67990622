"""The service's pages, plain HTML for browsers without JavaScript: /suivi, /etat-du-service and its Atom feed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route, request_response

from kb_build.model import KnowledgeBase
from status_api.bodies import read_form
from status_api.endpoint import HTML, Answer, ByMethod, Endpoint
from status_api.errors import ApiError
from status_api.feed import atom_feed
from status_api.html import Renderer
from status_api.incident_views import FEED, history_start, service_status
from status_api.lookup import Found, Invalid, NotFound, look_up
from status_api.lookup_cache import LookupCache
from status_api.store import Store
from status_api.views import STATUS_PAGE

# Public and the same for everyone: a short shared cache spares the database when many customers look at once.
STATUS_MAX_AGE = 30


class PageRoutes:
    def __init__(
        self,
        kb: KnowledgeBase,
        store: Store,
        renderer: Renderer,
        clock: Callable[[], datetime],
        cache: LookupCache | None = None,
        *,
        public_url: str = "",
    ) -> None:
        self.cache = cache
        # Absolute links in the feed start here (STATUS_API_PUBLIC_URL), never at a request's Host header.
        self.public_url = public_url
        self.kb = kb
        self.store = store
        self.renderer = renderer
        self.clock = clock

    def lookup_routes(self) -> list[Route]:
        # The call ID travels in the POST body only, never in a URL: proxies and browser history keep URLs.
        suivi = ByMethod({"POST": Endpoint(self.result), "GET": request_response(self.form)})
        return [Route("/suivi", suivi, methods=suivi.methods)]

    def routes(self) -> list[Route]:
        return [
            Route(STATUS_PAGE, self.service_status, methods=["GET"]),
            # The help center's own "État du service" page lives at this address: serve it live too.
            Route(STATUS_PAGE + "/", self.service_status, methods=["GET"], include_in_schema=False),
            Route(FEED, self.feed, methods=["GET"]),
        ]

    async def service_status(self, request: Request) -> Response:
        now = self.clock()
        incidents = await run_in_threadpool(self.store.incidents, history_start(self.kb, now))
        page = self.renderer.status_page(service_status(incidents, self.kb, now))
        return HTMLResponse(page, headers={"Cache-Control": f"public, max-age={STATUS_MAX_AGE}"})

    async def feed(self, request: Request) -> Response:
        now = self.clock()
        incidents = await run_in_threadpool(self.store.incidents, history_start(self.kb, now))
        body = atom_feed(incidents, self.kb, now, self.public_url)
        headers = {"Cache-Control": f"public, max-age={STATUS_MAX_AGE}"}
        return Response(body, media_type="application/atom+xml; charset=utf-8", headers=headers)

    async def form(self, request: Request) -> Response:
        return HTMLResponse(self.renderer.page())

    async def result(self, request: Request) -> Answer:
        try:
            fields = await read_form(request)
        except ApiError as error:
            return Answer(error.status, HTML, self.renderer.page(self.renderer.problem(error.body.error.message)))
        raw = fields.get("call_id", "")
        outcome = look_up(raw, self.kb, self.store, self.clock, self.cache)
        match outcome:
            case Found(_, entry):
                result = entry.rendered("html", lambda: self.renderer.outcome(outcome))
                return Answer(200, HTML, self.renderer.page(result))
            case NotFound():
                return Answer(404, HTML, self.renderer.page(self.renderer.outcome(outcome), call_id=raw))
            case Invalid():
                return Answer(422, HTML, self.renderer.page(self.renderer.outcome(outcome), call_id=raw))
