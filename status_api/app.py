"""The Starlette application: routes, middleware, error handlers and lifespan, given to the constructor."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Scope

from kb_build.languages import language_of_path, language_root
from kb_build.model import KnowledgeBase
from kb_build.paths import SERVICE
from status_api.config import Limits, Settings
from status_api.core import Core, utc_now
from status_api.core.applier import Applier
from status_api.core.lookup import Lookups
from status_api.domain import messages
from status_api.domain.errors import DomainError, StoreBusy, StoreUnavailable
from status_api.domain.store import Store
from status_api.http.budgets import Budgets, RateLimiter
from status_api.http.errors import ApiError
from status_api.http.feedback import LIMITS as FEEDBACK_LIMITS
from status_api.http.feedback import cross_site_refusal, feedback_routes
from status_api.http.lookup import lookup_routes
from status_api.http.middleware.client import ClientAddress
from status_api.http.middleware.compression import Compression
from status_api.http.middleware.origin import SameOriginForms
from status_api.http.middleware.security import SecurityHeaders
from status_api.http.middleware.timing import SteadyTiming
from status_api.http.openapi import openapi_route
from status_api.http.routes.hooks import hook_routes
from status_api.http.routes.pages import page_routes, tracking_form
from status_api.http.routes.probes import probe_routes
from status_api.http.routes.subscriptions import ADDRESS_LIMITS, CLIENT_LIMITS, subscription_routes
from status_api.http.routes.webhooks import webhook_routes
from status_api.http.routes.writes import write_routes
from status_api.mail.compose import Composer
from status_api.mail.sender import Sender
from status_api.views.html import Renderer

logger = logging.getLogger("status_api")


def create_app(
    settings: Settings, kb: KnowledgeBase, store: Store, *, clock: Callable[[], datetime] = utc_now
) -> Starlette:
    core = Core(kb, store, clock)
    renderer = Renderer(kb, settings.site_dir)
    # The tracker in each language of the help center, framed in that language's pages (French: /suivi).
    roots = {code: language_root(kb, code) for code in kb.languages}
    renderers = {code: Renderer(kb.in_language(code), settings.site_dir, root) if root else renderer
                 for code, root in roots.items()}  # fmt: skip
    trackings = SERVICE.trackings(roots.values())
    # The two doors of the public lookup first: the router tries routes in turn, and they carry the load.
    budgets = _budgets(store, settings.limits, "lookups") if settings.limits is not None else None
    lookups = Lookups(core, settings.lookup_cache)
    routes: list[BaseRoute] = [*lookup_routes(lookups, renderers, tracking_form, budgets)]
    # A tracking page typed with a final "/" leads to the page, on this site (see the router's slash redirects,
    # switched off below); GET only: a form posted there is not sent again elsewhere.
    routes += [Route(tracking + "/", _to(tracking), methods=["GET"], include_in_schema=False) for tracking in trackings]
    # Fixed addresses before the ones with {reference}: /api/v1/incidents/current is not an incident's.
    routes += page_routes(core, renderers, settings.public_url or "")
    routes += write_routes(core, settings.token)
    # Votes on the help center's pages: a budget of their own, lifted with the lookups' (STATUS_API_RATE_LIMIT).
    routes += feedback_routes(
        core, renderer, RateLimiter(FEEDBACK_LIMITS) if settings.limits is not None else None, renderers
    )
    # Helpdesk deliveries are answered once in the inbox; the applier applies them (STATUS_API_HELPDESK_APPLIER).
    applier = Applier(core, clock)
    routes += hook_routes(core, settings.zendesk_secret, settings.hook_secret, applier.wake)
    # E-mail subscriptions once mail can leave (STATUS_API_SMTP_URL, with STATUS_API_PUBLIC_URL for links).
    composer = None
    if settings.smtp is not None and settings.public_url is not None:
        composer = Composer(kb, settings.public_url, settings.sender_address)
        for each in renderers.values():
            each.offer_subscriptions()
    # The outbox's sender runs in every instance: e-mails when mail can leave, webhooks in any case.
    sender = Sender(
        store,
        composer,
        settings.smtp,
        clock,
        webhook_failures=settings.webhook_failures,
        public_url=settings.public_url or "",
    )
    limited = settings.limits is not None
    routes += subscription_routes(
        core,
        renderers,
        composer,
        _budgets(store, CLIENT_LIMITS, "subscription-forms") if limited else None,
        _budgets(store, ADDRESS_LIMITS, "addresses") if limited else None,
        sender.wake,
    )
    routes += webhook_routes(core, settings.token)
    routes += [*probe_routes(core, lookups, settings.token), openapi_route(kb)]
    if settings.site_dir is not None:
        # Last, so that the service's own routes win over any file of the site.
        claimed = frozenset(route.path for route in routes if isinstance(route, Route))
        # Each other language's folder first, so that its misses get its own 404 page (site/en/404.html).
        for root in sorted(root for root in roots.values() if root and (settings.site_dir / root).is_dir()):
            routes.append(
                _Site(_Folder(directory=settings.site_dir / root, html=True), claimed, "/" + root.rstrip("/"))
            )
        routes.append(_Site(_Folder(directory=settings.site_dir, html=True), claimed))
    else:
        routes.append(Route("/", _to(SERVICE.tracking), include_in_schema=False))

    def page(path: str, message: Callable[[KnowledgeBase], str]) -> tuple[bytes, dict[str, str]]:
        """An error page outside the API in the language of the address's folder, in that language's frame."""
        code = language_of_path(kb, path)
        frame = renderers.get(code, renderer)
        return frame.page(frame.problem(message(frame.kb))), {"Content-Language": frame.kb.language}

    # A tracking form refused as cross-site answers in its own language, in its language's frame (/en/suivi: English).
    def cross_site(scope: Scope) -> Response:
        frame = renderers.get(language_of_path(kb, scope["path"]), renderer)
        body = frame.page(frame.problem(frame.kb.tracking.result.cross_site))
        return HTMLResponse(body, 403, {"Cache-Control": "no-store", "Content-Language": frame.kb.language})

    # Outermost first. The client's address is settled before anything reads it; the steady timing covers
    # compression too (a found ticket's longer body takes longer to compress). The form's origin check charges
    # nobody: the lookups' doors spend budgets themselves (http/budgets.py), once they know the entry is a call ID.
    middleware = []
    if settings.trusted_proxies:
        middleware.append(Middleware(ClientAddress, trusted_proxies=settings.trusted_proxies))
    if settings.lookup_floor > 0:
        middleware.append(Middleware(SteadyTiming, floor=settings.lookup_floor, paths=SERVICE.lookups | trackings))
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
                allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "If-None-Match"],
                max_age=600,
            )
        )
    # Each language's subscription form, refused in its language when posted from another site; each
    # language's tracking form; the votes on the help center's pages. One layer for all of them.
    subscription_refusals = {
        path: HTMLResponse(
            each.subscription_page(each.kb.subscriptions.texts.title, each.kb.subscriptions.texts.cross_site),
            403,
            {"Cache-Control": "no-store"},
        )
        for each in renderers.values()
        for path in (each.service.subscribe, each.service.subscription_confirm)
    }
    refusals: dict[str, Callable[[Scope], ASGIApp]] = {
        path: lambda scope: subscription_refusals[scope["path"]] for path in subscription_refusals
    }
    refusals.update(dict.fromkeys(trackings, cross_site))
    refusals[SERVICE.feedback] = cross_site_refusal(renderer, kb, renderers)
    middleware.append(Middleware(SameOriginForms, refusals=refusals, allowed=settings.form_origins))

    async def not_found_or_method(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            error = ApiError(405, "method_not_allowed", messages.METHOD_NOT_ALLOWED.format(method=request.method))
        else:
            error = ApiError(exc.status_code, "not_found", messages.PATH_NOT_FOUND)
        error.headers.update(exc.headers or {})
        if SERVICE.is_api(request.url.path):
            return error.response()
        if exc.status_code == 405:
            body, language = page(
                request.url.path, lambda texts: texts.tracking.result.method_not_allowed.format(method=request.method)
            )
        else:
            body, language = page(request.url.path, lambda texts: texts.site.not_found.text)
        return HTMLResponse(body, exc.status_code, headers={**error.headers, **language})

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return exc.response()

    async def domain_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        return ApiError.of(exc).response()

    async def unavailable(request: Request, exc: Exception) -> Response:
        logger.warning("database unavailable: %s", exc)
        busy = isinstance(exc, StoreBusy)
        retry = {"Retry-After": "1" if busy else "30"}
        error = ApiError(503, "busy" if busy else "unavailable", kb.tracking.result.unavailable, headers=retry)
        if SERVICE.is_api(request.url.path):
            return error.response()
        body, language = page(request.url.path, lambda texts: texts.tracking.result.unavailable)
        return HTMLResponse(body, 503, headers={**retry, "Cache-Control": "no-store", **language})

    async def disconnected(request: Request, exc: Exception) -> Response:
        # The client went away (or sent its body too slowly, see server.py): nobody reads this answer.
        return Response(status_code=400)

    async def internal(request: Request, exc: Exception) -> Response:
        # Starlette logs the exception itself; the body says nothing of the internals.
        return ApiError(500, "internal", messages.INTERNAL).response()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(sender.run(), name="outbox sender")
        applying = asyncio.create_task(applier.run(), name="helpdesk applier") if settings.helpdesk_applier else None
        yield
        if applying is not None:
            await applier.stop(applying)
        await sender.stop(task)
        store.close()

    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={
            HTTPException: not_found_or_method,
            ApiError: api_error,
            StoreUnavailable: unavailable,
            DomainError: domain_error,
            ClientDisconnect: disconnected,
            Exception: internal,
        },
        lifespan=lifespan,
    )
    # Starlette's router answers a path with or without its final "/" by a redirect to an absolute URL made from
    # the request's Host header, which anyone sends and a cache would keep for everyone; and its 307 has a form
    # posted again. Such a path is a 404 here, but for the pages a person types (the tracking pages above; the
    # status page has its own; the site's folders redirect on this site, see _Folder).
    app.router.redirect_slashes = False
    return app


def _to(path: str) -> Callable[[Request], Response]:
    def redirect(request: Request) -> Response:
        return RedirectResponse(path)

    return redirect


def _budgets(store: Store, limits: Limits, kind: str) -> Budgets:
    """Clients' budgets of one kind: in PostgreSQL when the store is there (every instance shares them), else in
    this process."""
    if not store.local:
        from status_api.storage.postgres import PostgresBudgets, PostgresStore

        if isinstance(store, PostgresStore):
            return PostgresBudgets(store, limits, kind)
    return RateLimiter(limits)


class _Folder(StaticFiles):
    """A folder of the built site. A directory asked without its "/" ("/en") is redirected to the path on this
    site ("/en/", query kept), never to an absolute URL made from the request's Host header, which anyone sends
    and a cache would keep for everyone. The path is the normalised one Starlette served, quoted, with one leading
    "/": no "//host" or "/\\host" a browser would read as another site."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if isinstance(response, RedirectResponse):
            folder = "" if path == "." else path.replace(os.sep, "/") + "/"
            location = quote(scope.get("root_path", "").rstrip("/") + "/" + folder)
            query = scope.get("query_string", b"").decode("latin-1")
            response.headers["location"] = location + ("?" + query if query else "")
        return response


class _Site(Mount):
    """The built help center at "/", for every address the service does not claim: a wrong method at one of the
    service's addresses is its 405 with the route's real Allow, and under /api/ every error is the API's JSON."""

    def __init__(self, site: ASGIApp, claimed: frozenset[str], path: str = "/") -> None:
        super().__init__(path, site, name="site" if path == "/" else f"site{path}")
        self.claimed = claimed

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and (SERVICE.is_api(scope["path"]) or scope["path"] in self.claimed):
            return Match.NONE, {}
        return super().matches(scope)
