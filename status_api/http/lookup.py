"""The public lookup's two doors, JSON and the form without JavaScript: the routes that carry the load.

This module holds the lookup's speed-ups on the HTTP side, behind one entry point, `lookup_routes`; every
other route of the service is plain Starlette. Each was measured in the real server (see bench/ and the
README's Performance section):

- the doors are bare ASGI apps: Starlette would make a Response object and wrap each call in two more layers
  for its exception handlers, about a fifth of a cached lookup's time (exceptions still reach the app's
  handlers);
- the body nearly every client sends, {"call_id": "..."}, is read without the JSON parser (see _PLAIN);
- the answer is serialised straight to bytes (see json_body);
- what each door renders of an answer is kept, in place of the answer (core/lookup_cache.py).

Each door spends the client's budget (budgets.py) once it knows the entry is a call ID, and a miss once it
knows there is no ticket: what is refused as malformed costs nothing, and reveals nothing.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import NamedTuple

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, request_response
from starlette.types import ASGIApp, Receive, Scope, Send

from kb_build.languages import language_root
from kb_build.model import KnowledgeBase
from kb_build.paths import SERVICE
from status_api.core.lookup import Found, Lookups, Malformed, Unknown
from status_api.domain.payloads import LookupIn
from status_api.http.bodies import parse_json, read_form, read_json_bytes
from status_api.http.budgets import Budgets, retry_after
from status_api.http.errors import ApiError
from status_api.http.languages import language_header_dict, language_headers, language_of
from status_api.http.middleware.client import client_key
from status_api.http.routes import route
from status_api.views.help import Help, help_links
from status_api.views.html import Renderer
from status_api.views.tickets import TicketView

JSON = b"application/json"
HTML = b"text/html; charset=utf-8"
# Lookup answers hold a ticket's state: no cache, shared or private, keeps them.
_NO_STORE = (b"cache-control", b"no-store")
# What LookupIn accepts at most; a longer value is no call ID anyway.
_MAX_LENGTH = 200


class Answer(NamedTuple):
    status: int
    media_type: bytes
    body: bytes
    headers: tuple[tuple[bytes, bytes], ...] = ()


def _refused(wait: float) -> tuple[tuple[bytes, bytes], ...]:
    return ((b"retry-after", retry_after(wait).encode()),)


class _Door:
    """`handler(request)` served as a bare ASGI app."""

    def __init__(self, handler: Callable[[Request], Awaitable[Answer]]) -> None:
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        answer = await self.handler(Request(scope, receive))
        headers = [(b"content-type", answer.media_type), (b"content-length", b"%d" % len(answer.body)), _NO_STORE]
        headers += answer.headers
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})


# The body nearly every client sends, {"call_id": "..."} with printable ASCII and no escapes in the string:
# taken as the JSON parser and LookupIn would take it, at a fraction of their cost. (JSON's whitespace is
# these four characters; the class excludes '"' and backslash; each byte is one character of the limit.)
_SPACE = rb"[ \t\n\r]*"
_PLAIN = re.compile(
    _SPACE + rb"\{" + _SPACE + rb'"call_id"' + _SPACE + rb":" + _SPACE
    + rb'"([\x20\x21\x23-\x5b\x5d-\x7e]{0,%d})"' % _MAX_LENGTH
    + _SPACE + rb"\}" + _SPACE
)  # fmt: skip


# The view's own serializer, straight to bytes: model_dump_json() makes the same bytes, then a str of them
# that the door encoded back (a third of the dump's time, 11 µs a found lookup on this machine).
_TO_JSON = TicketView.__pydantic_serializer__.to_json


def json_body(view: TicketView) -> bytes:
    """The JSON door's body for a view: the view's model_dump_json(), byte for byte."""
    return _TO_JSON(view)


class _Language(NamedTuple):
    """What the doors answer in one language, made once: the cache's kinds, the fixed answers, the headers."""

    code: str
    json_kind: str
    html_kind: str
    help: Help
    not_found: bytes
    limited: bytes
    rate_limited: str
    headers: tuple[tuple[bytes, bytes], ...]


def _language(code: str, kb: KnowledgeBase, root: str) -> _Language:
    help, texts = help_links(kb, root), kb.tracking.result
    headers = language_headers(code)
    return _Language(
        code,
        f"json:{code}",
        f"html:{code}",
        help,
        bytes(ApiError(404, "not_found", texts.not_found, help=help).response().body),
        bytes(ApiError(429, "rate_limited", texts.rate_limited, help=help).response().body),
        texts.rate_limited,
        headers,
    )


def lookup_routes(
    lookups: Lookups,
    renderers: Mapping[str, Renderer],
    form: Callable[[Renderer], Callable[[Request], Awaitable[Response]]],
    budgets: Budgets | None = None,
) -> list[Route]:
    """The JSON lookup, in the language of the client's Accept-Language, and each language's tracking page
    (/suivi, /en/suivi: the form on GET, served by `form(renderer)`, and its answer on POST), the language's
    `renderers` (by code, French first); `budgets` None lifts the limits."""
    kb, validate = lookups.core.kb, lookups.core.validate
    codes = kb.languages
    roots = {code: language_root(kb, code) for code in codes}
    languages = {code: _language(code, lookups.kbs[code], roots[code]) for code in codes}

    # A local store is read on the event loop (microseconds); a remote one in a worker thread.
    local = lookups.core.store.local

    async def answer(call_id: str, kind: str, render: Callable[[TicketView], bytes], code: str) -> Found | Unknown:
        if local:
            return lookups.answer(call_id, kind, render, code)
        return await lookups.answer_remote(call_id, kind, render, code)

    async def spent(
        request: Request, call_id: str, kind: str, render: Callable[[TicketView], bytes], code: str
    ) -> float | Found | Unknown:
        """The answer for a call ID, or the seconds to wait when the client's budget is spent."""
        if budgets is None:
            return await answer(call_id, kind, render, code)
        client = client_key(request.scope)
        wait = await budgets.acquire(client)
        if wait > 0:
            return wait
        outcome = await answer(call_id, kind, render, code)
        if isinstance(outcome, Unknown):
            await budgets.charge_miss(client)
        return outcome

    async def api(request: Request) -> Answer:
        language = languages[language_of(request.scope["headers"], codes)]
        body = await read_json_bytes(request)
        plain = _PLAIN.fullmatch(body)
        # Any other body: its shape checked by the model; the call ID itself is the lookup's to judge, so that
        # every malformed one gets the same answer.
        call_id = plain.group(1).decode("ascii") if plain else validate.shape(LookupIn, parse_json(body)).call_id
        parsed = lookups.parse(call_id, language.code)
        if isinstance(parsed, Malformed):
            headers = language_header_dict(language.code)
            raise ApiError(422, "invalid_call_id", parsed.message, help=language.help, headers=headers)
        match await spent(request, parsed, language.json_kind, json_body, language.code):
            case Found(body):
                return Answer(200, JSON, body, language.headers)
            case Unknown():
                return Answer(404, JSON, language.not_found, language.headers)
            case float(wait):
                return Answer(429, JSON, language.limited, _refused(wait) + language.headers)

    def page_door(language: _Language, renderer: Renderer) -> Callable[[Request], Awaitable[Answer]]:
        def ticket_html(view: TicketView) -> bytes:
            return renderer.ticket(view).encode()

        # The page's language is its address's: said, and nothing in it varies with the request's headers.
        said = ((b"content-language", language.code.encode("ascii")),)

        async def page(request: Request) -> Answer:
            try:
                fields = await read_form(request)
            except ApiError as error:
                # The form has one field: a body too large for it is an entry far longer than any call ID.
                message = (
                    lookups.not_a_call_id(language.code).message
                    if error.status == 413
                    else renderer.kb.site.unreadable_form
                )
                return Answer(error.status, HTML, renderer.page(renderer.problem(message)), said)
            raw = fields.get("call_id", "")
            parsed = lookups.parse(raw, language.code)
            if isinstance(parsed, Malformed):
                return Answer(422, HTML, renderer.page(renderer.problem(parsed.message), call_id=raw), said)
            match await spent(request, parsed, language.html_kind, ticket_html, language.code):
                case Found(fragment):
                    return Answer(200, HTML, renderer.page(fragment), said)
                case Unknown(message):
                    return Answer(404, HTML, renderer.page(renderer.not_found(message), call_id=raw), said)
                case float(wait):
                    refusal = renderer.page(renderer.problem(language.rate_limited))
                    return Answer(429, HTML, refusal, _refused(wait) + said)

        return page

    routes = [route(SERVICE.lookup, {"POST": _Door(api)})]
    for code, language in languages.items():
        renderer = renderers[code]
        # The call ID travels in the POST body only, never in a URL: proxies and browser history keep URLs.
        door: dict[str, ASGIApp] = {
            "POST": _Door(page_door(language, renderer)),
            "GET": request_response(form(renderer)),
        }
        routes.append(route(SERVICE.in_language(roots[code]).tracking, door))
    return routes
