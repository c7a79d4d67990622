"""The /suivi pages: the form and its answer as plain HTML, for browsers without JavaScript."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from kb_build.model import KnowledgeBase
from status_api.bodies import read_form
from status_api.errors import ApiError
from status_api.html import Renderer
from status_api.lookup import Found, Invalid, NotFound, look_up
from status_api.store import Store


class PageRoutes:
    def __init__(self, kb: KnowledgeBase, store: Store, renderer: Renderer, clock: Callable[[], datetime]) -> None:
        self.kb = kb
        self.store = store
        self.renderer = renderer
        self.clock = clock

    def routes(self) -> list[Route]:
        # The call ID travels in the POST body only, never in a URL: proxies and browser history keep URLs.
        return [
            Route("/suivi", self.form, methods=["GET"]),
            Route("/suivi", self.result, methods=["POST"]),
        ]

    async def form(self, request: Request) -> Response:
        return HTMLResponse(self.renderer.page())

    async def result(self, request: Request) -> Response:
        try:
            fields = await read_form(request)
        except ApiError as error:
            return _page(self.renderer.page(self.renderer.problem(error.body.error.message)), error.status)
        raw = fields.get("call_id", "")
        outcome = await look_up(raw, self.kb, self.store, self.clock())
        result = self.renderer.outcome(outcome)
        match outcome:
            case Found():
                return _page(self.renderer.page(result), 200)
            case NotFound():
                return _page(self.renderer.page(result, call_id=raw), 404)
            case Invalid():
                return _page(self.renderer.page(result, call_id=raw), 422)


def _page(html: str, status: int) -> Response:
    return HTMLResponse(html, status, headers={"Cache-Control": "no-store"})
