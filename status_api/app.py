"""The Starlette application: routes, middleware, error handlers and lifespan, given to the constructor."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Scope

from kb_build.model import KnowledgeBase
from status_api import messages
from status_api.client import ClientAddress
from status_api.compression import Compression
from status_api.config import Settings
from status_api.errors import ApiError, PayloadError, is_api
from status_api.html import Renderer
from status_api.lookup import help_links
from status_api.lookup_cache import LookupCache
from status_api.openapi import openapi_document
from status_api.origin import SameOriginForms
from status_api.ratelimit import LOOKUP_PATHS, RateLimiter, RateLimitMiddleware, refusal
from status_api.routes.api import ApiRoutes
from status_api.routes.incidents import IncidentRoutes
from status_api.routes.pages import PageRoutes
from status_api.routes.probes import ProbeRoutes
from status_api.security import SecurityHeaders
from status_api.store import Store, StoreBusy, StoreUnavailable
from status_api.timing import SteadyTiming

logger = logging.getLogger("status_api")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings, kb: KnowledgeBase, store: Store, *, clock: Callable[[], datetime] = _utc_now
) -> Starlette:
    renderer = Renderer(kb, settings.site_dir)
    cache = LookupCache(settings.lookup_cache)
    api = ApiRoutes(kb, store, settings.token, openapi_document(kb), clock, cache)
    incidents = IncidentRoutes(kb, store, settings.token, clock)
    pages = PageRoutes(kb, store, renderer, clock, cache, public_url=settings.public_url or "")
    # The two doors of the public lookup first: the router tries routes in turn, and they carry the load.
    routes: list[BaseRoute] = [*api.lookup_routes(), *pages.lookup_routes()]
    routes += [*api.routes(), *incidents.routes(), *pages.routes(), *ProbeRoutes(kb, store).routes()]
    if settings.site_dir is not None:
        # Last, so that the service's own routes win over any file of the site.
        claimed = frozenset(route.path for route in routes if isinstance(route, Route))
        routes.append(_Site(StaticFiles(directory=settings.site_dir, html=True), claimed))
    else:
        routes.append(Route("/", lambda request: RedirectResponse("/suivi"), include_in_schema=False))

    # Outermost first. The client's address is settled before anything reads it; the steady timing covers
    # compression too (a found ticket's longer body takes longer to compress); the rate limit sits inside CORS,
    # so that a browser can read its answer, and after the form's origin check, which charges nobody.
    middleware = []
    if settings.trusted_proxies:
        middleware.append(Middleware(ClientAddress, trusted_proxies=settings.trusted_proxies))
    if settings.lookup_floor > 0:
        middleware.append(Middleware(SteadyTiming, floor=settings.lookup_floor))
    middleware += [
        Middleware(Compression, minimum_size=1024),
        Middleware(SecurityHeaders, site_dir=settings.site_dir, hsts=settings.hsts),
    ]
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST", "PUT", "DELETE"],
                allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
                max_age=600,
            )
        )

    def page(message: str) -> bytes:
        return renderer.page(renderer.problem(message))

    def cross_site() -> Response:
        return HTMLResponse(page(kb.tracking.result.cross_site), 403, {"Cache-Control": "no-store"})

    forms = frozenset(path for path in LOOKUP_PATHS if not is_api(path))
    middleware.append(Middleware(SameOriginForms, paths=forms, allowed=settings.form_origins, refusal=cross_site))
    if settings.limits is not None:
        limiter = RateLimiter(settings.limits)
        refuse = refusal(kb.tracking.result.rate_limited, help_links(kb), page)
        middleware.append(Middleware(RateLimitMiddleware, limiter=limiter, refusal=refuse))

    async def not_found_or_method(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            error = ApiError(405, "method_not_allowed", messages.METHOD_NOT_ALLOWED.format(method=request.method))
        else:
            error = ApiError(exc.status_code, "not_found", messages.PATH_NOT_FOUND)
        error.headers.update(exc.headers or {})
        if is_api(request.url.path):
            return error.response()
        page = renderer.page(renderer.problem(error.body.error.message))
        return HTMLResponse(page, exc.status_code, headers=error.headers)

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return exc.response()

    async def payload_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PayloadError)
        return ApiError.from_problems(exc.problems).response()

    async def unavailable(request: Request, exc: Exception) -> Response:
        logger.warning("database unavailable: %s", exc)
        busy = isinstance(exc, StoreBusy)
        retry = {"Retry-After": "1" if busy else "30"}
        error = ApiError(503, "busy" if busy else "unavailable", kb.tracking.result.unavailable, headers=retry)
        if is_api(request.url.path):
            return error.response()
        page = renderer.page(renderer.problem(error.body.error.message))
        return HTMLResponse(page, 503, headers={**retry, "Cache-Control": "no-store"})

    async def disconnected(request: Request, exc: Exception) -> Response:
        # The client went away (or sent its body too slowly, see server.py): nobody reads this answer.
        return Response(status_code=400)

    async def internal(request: Request, exc: Exception) -> Response:
        # Starlette logs the exception itself; the body says nothing of the internals.
        return ApiError(500, "internal", messages.INTERNAL).response()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        store.close()

    return Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={
            HTTPException: not_found_or_method,
            ApiError: api_error,
            PayloadError: payload_error,
            StoreUnavailable: unavailable,
            ClientDisconnect: disconnected,
            Exception: internal,
        },
        lifespan=lifespan,
    )


class _Site(Mount):
    """The built help center at "/", for every address the service does not claim: a wrong method at one of the
    service's addresses is its 405 with the route's real Allow, and under /api/ every error is the API's JSON."""

    def __init__(self, site: ASGIApp, claimed: frozenset[str]) -> None:
        super().__init__("/", site, name="site")
        self.claimed = claimed

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and (is_api(scope["path"]) or scope["path"] in self.claimed):
            return Match.NONE, {}
        return super().matches(scope)
