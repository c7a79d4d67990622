"""The e-mail subscriptions' addresses: the form's POST, the confirmation link and the unsubscribe link.

Links in e-mails only ever show a page (GET): its button (POST) confirms or unsubscribes, so that a mail
scanner opening links changes nothing. RFC 8058's one-click unsubscribe is a POST to the unsubscribe link
itself, from the mail provider: it needs no form of ours, and the key is in the address.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from status_api.config import Limits, Rate
from status_api.core import Core, subscriptions
from status_api.core.subscriptions import CONFIRM_WINDOW, SubscriptionRefused
from status_api.http.bodies import read_form_lists
from status_api.http.budgets import Budgets, retry_after
from status_api.http.errors import ApiError
from status_api.http.middleware.client import ClientKey, client_key
from status_api.mail.compose import Composer
from status_api.views.help import fill
from status_api.views.html import Renderer

# A client: five requests at once, then one every six minutes (a person fixing a typo, not a script).
CLIENT_LIMITS = Limits(lookups=Rate(10, 3600), burst=5, misses=Rate(1, 1))
# An address: three confirmation e-mails at once, then one every eight hours, whoever asks: nobody's inbox is
# flooded. Past it the answer stays the same, and no e-mail leaves.
ADDRESS_LIMITS = Limits(lookups=Rate(3, 86400), burst=3, misses=Rate(1, 1))
_HOURS = str(int(CONFIRM_WINDOW.total_seconds() // 3600))
_NO_STORE = {"Cache-Control": "no-store"}
_FORM_LIMIT = 4096


def subscription_routes(
    core: Core,
    renderers: dict[str, Renderer],
    composer: Composer | None,
    clients: Budgets | None,
    addresses: Budgets | None,
    wake: Callable[[], None] = lambda: None,
) -> list[Route]:
    """The pages of each language of `renderers` (by code) at its own addresses (/etat-du-service/abonnement,
    /en/etat-du-service/abonnement …): a subscription made in a language keeps it, and its e-mails and their
    links are in it. Without a composer (no STATUS_API_SMTP_URL) only unsubscribing works: links of e-mails sent
    before. `wake` tells the sender something was queued."""
    routes = []
    for renderer in renderers.values():
        routes += _routes(core, renderer, composer, clients, addresses, wake)
    return routes


def _routes(
    core: Core,
    renderer: Renderer,
    composer: Composer | None,
    clients: Budgets | None,
    addresses: Budgets | None,
    wake: Callable[[], None],
) -> list[Route]:
    t, service, language = renderer.kb.subscriptions.texts, renderer.service, renderer.kb.language
    # The e-mails of this language: its texts, and links to its pages.
    mail = composer.in_language(language) if composer is not None else None

    def page(
        status: int,
        title: str,
        text: str,
        *,
        button: str = "",
        action: str = "",
        fields: dict[str, str] | None = None,
        form_address: str | None = None,
    ) -> Response:
        body = renderer.subscription_page(
            title, text, button=button, action=action, fields=fields, form_address=form_address
        )
        return HTMLResponse(body, status, _NO_STORE)

    async def subscribe(request: Request) -> Response:
        assert mail is not None
        if clients is not None:
            wait = await clients.acquire(cast(ClientKey, f"subscribe:{client_key(request.scope)}"))
            if wait > 0:
                return _limited(wait)
        try:
            fields = await read_form_lists(request, limit=_FORM_LIMIT)
        except ApiError as error:
            return page(error.status, t.title, renderer.kb.site.unreadable_form)
        typed = (fields.get("address") or [""])[0]
        try:
            address, services = subscriptions.checked(renderer.kb, typed, fields.get("service", []))
        except SubscriptionRefused as refused:
            return page(422, t.title, refused.message, form_address=typed[:254])
        allowed = True
        if addresses is not None:
            # Keyed by the address's hash: the budgets' table holds no address.
            allowed = await addresses.acquire(cast(ClientKey, f"address:{subscriptions.hashed(address)}")) == 0
        if allowed:
            await run_in_threadpool(subscriptions.subscribe, core, address, services, mail.confirmation, language)
            wake()
        return page(200, t.sent_title, fill(t.sent_text, hours=_HOURS))

    def _limited(wait: float) -> Response:
        response = page(429, t.title, t.rate_limited)
        response.headers["Retry-After"] = retry_after(wait)
        return response

    async def confirmation(request: Request) -> Response:
        token = request.query_params.get("jeton", "")
        if request.method == "GET":
            if not await run_in_threadpool(subscriptions.confirmable, core, token):
                return page(410, t.expired_title, fill(t.expired_text, hours=_HOURS))
            return page(
                200,
                t.confirm_title,
                t.confirm_text,
                button=t.confirm_button,
                action=service.subscription_confirm,
                fields={"jeton": token},
            )
        try:
            fields = await read_form_lists(request, limit=_FORM_LIMIT)
        except ApiError as error:
            return page(error.status, t.confirm_title, renderer.kb.site.unreadable_form)
        token = (fields.get("jeton") or [token])[0]
        if not await run_in_threadpool(subscriptions.confirm, core, token):
            return page(410, t.expired_title, fill(t.expired_text, hours=_HOURS))
        return page(200, t.confirmed_title, t.confirmed_text)

    async def unsubscribe(request: Request) -> Response:
        key = request.query_params.get("cle", "")
        if request.method == "GET":
            action = f"{service.unsubscribe}?{request.url.query}"
            return page(200, t.unsubscribe_title, t.unsubscribe_text, button=t.unsubscribe_button, action=action)
        # The same answer whether the key was known: an unsubscribed address is gone, a second click too.
        await run_in_threadpool(subscriptions.unsubscribe, core, key)
        return page(200, t.unsubscribed_title, t.unsubscribed_text)

    # Pages for people, reached from the status page's form or an e-mail's link: not part of the API document.
    routes = [Route(service.unsubscribe, unsubscribe, methods=["GET", "POST"], include_in_schema=False)]
    if mail is not None:
        routes += [
            Route(service.subscribe, subscribe, methods=["POST"], include_in_schema=False),
            Route(service.subscription_confirm, confirmation, methods=["GET", "POST"], include_in_schema=False),
        ]
    return routes
