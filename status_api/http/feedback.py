"""POST /avis: a reader's vote on a help-center page ("Cet article vous a-t-il été utile ?"), or the comment
after a "no" (the same address, with the vote's comment_key).

A form post (no JavaScript) is answered with the service's page, in the voted page's shell; a JSON post (the
page's script, or any API-style client) with JSON, errors included, with stable codes. Votes spend a budget of
their own per client (budgets.py's limiter, a modest one): nobody's lookups suffer from their votes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from kb_build.languages import language_of_path, language_root
from kb_build.model import KnowledgeBase
from kb_build.paths import SERVICE
from status_api.config import Limits, Rate
from status_api.core import Core, feedback
from status_api.core.feedback import FeedbackRefused
from status_api.http.bodies import is_json, parse_json, read_body, read_form, read_json
from status_api.http.budgets import RateLimiter, retry_after
from status_api.http.errors import ApiError, json_response
from status_api.http.languages import language_of
from status_api.http.middleware.client import client_key
from status_api.views.html import Renderer

# Ten votes or comments at once, then one every two minutes: more than a reader gives, less than a script wants.
# (The miss budget is the lookups' and never spent here.)
LIMITS = Limits(lookups=Rate(30, 3600), burst=10, misses=Rate(1, 1))
# A comment of the longest length, every character escaped in the form's encoding, and the other fields.
_FORM_LIMIT = 16 * 1024
_NO_STORE = {"Cache-Control": "no-store"}
# The fields of each kind of post, exactly (the OpenAPI document says the same): anything else is refused.
_JSON_VOTE = frozenset({"page", "useful"})
_JSON_COMMENT = frozenset({"comment_key", "comment"})
_FORM_VOTE = frozenset({"page", "vote"})
_FORM_COMMENT = frozenset({"comment_key", "comment", "page"})
_STATUS: dict[str, int] = {
    "invalid_page": 422,
    "invalid_vote": 422,
    "invalid_comment": 422,
    "comment_closed": 409,
}


def feedback_routes(
    core: Core, renderer: Renderer, limiter: RateLimiter | None, renderers: Mapping[str, Renderer] | None = None
) -> list[Route]:
    """`renderers` by language code: a vote on a page of another language's folder ("/en/delais/") is answered
    in that language, in its page's shell, refusals included."""
    kb = core.kb
    # Every language's pages, each voted on apart ("/delais/", "/en/delais/").
    roots = {code: language_root(kb, code) for code in kb.languages}
    pages = frozenset("/" + root + page.lstrip("/") for root in roots.values() for page in feedback.site_pages(kb))
    frames = {code: (renderers or {}).get(code, renderer) for code in kb.languages}

    def page_frame(page: object) -> Renderer | None:
        """The language and shell of a page of ours, None for anything else."""
        return frames.get(language_of_path(kb, page)) if isinstance(page, str) and page in pages else None

    def frame(request: Request, page: object) -> Renderer:
        """The answer's language and shell: the voted page's, else (a comment's JSON names no page, a body
        that cannot be read names none) the one the client's Accept-Language asks for."""
        return page_frame(page) or frames.get(language_of(request.scope["headers"], kb.languages), renderer)

    def known(page: object) -> str:
        return page if isinstance(page, str) and page in pages else ""

    async def post(request: Request) -> Response:
        # The body is read first (within the form's limit), so that even a refusal speaks the page's language.
        api = is_json(request)
        try:
            read: object = await (read_json(request) if api else read_form(request, limit=_FORM_LIMIT))
        except ApiError as error:
            if api:
                raise
            framed = frame(request, None)
            return _html(framed.feedback("", problem=framed.kb.site.unreadable_form), error.status, _language(framed))
        body = read if isinstance(read, dict) else None
        framed = frame(request, body.get("page") if body is not None else None)
        texts = framed.kb.site.feedback
        if limiter is not None:
            wait = limiter.take(client_key(request.scope))
            if wait > 0:
                headers = {"Retry-After": retry_after(wait), **_language(framed)}
                if api:
                    raise ApiError(429, "rate_limited", texts.rate_limited, headers=headers)
                return _html(framed.feedback("", problem=texts.rate_limited), 429, headers)
        if api:
            if body is None:
                raise ApiError(422, "invalid_body", texts.invalid_vote, headers=_language(framed))
            return await _json_answer(body, framed)
        return await _form_answer(body or {}, framed)

    async def _json_answer(data: dict[str, Any], framed: Renderer) -> Response:
        try:
            if "comment_key" in data:
                key, text = data["comment_key"], data.get("comment")
                if set(data) != _JSON_COMMENT or not isinstance(key, str) or not isinstance(text, str):
                    raise FeedbackRefused("invalid_comment")
                commented = await run_in_threadpool(feedback.comment, core, key, text)
                return json_response({"page": commented}, 201, _language(page_frame(commented) or framed))
            if set(data) != _JSON_VOTE or not isinstance(data["useful"], bool):
                raise FeedbackRefused("invalid_vote")
            voted = await run_in_threadpool(feedback.vote, core, pages, known(data["page"]), data["useful"])
        except FeedbackRefused as refused:
            raise _api_error(refused, framed) from None
        answer = {"page": voted.page, "useful": voted.useful, "comment_key": voted.comment_key}
        return json_response(answer, 201, _language(framed))

    async def _form_answer(fields: dict[str, str], framed: Renderer) -> Response:
        page = known(fields.get("page"))
        try:
            if "comment_key" in fields and set(fields) <= _FORM_COMMENT:
                commented = await run_in_threadpool(
                    feedback.comment, core, fields["comment_key"], fields.get("comment", "")
                )
                # The page the comment was about (known once the key is spent) decides the thanks' language.
                thanked = page_frame(commented) or framed
                return _html(thanked.feedback(commented, commented=True), 200, _language(thanked))
            if set(fields) != _FORM_VOTE or fields["vote"] not in ("oui", "non"):
                raise FeedbackRefused("invalid_vote")
            voted = await run_in_threadpool(feedback.vote, core, pages, page, fields["vote"] == "oui")
        except FeedbackRefused as refused:
            problem = _refusal_text(refused, framed)
            return _html(framed.feedback(page, problem=problem), _STATUS[refused.code], _language(framed))
        answer = framed.feedback(voted.page, useful=voted.useful, comment_key=voted.comment_key)
        return _html(answer, 200, _language(framed))

    return [Route(SERVICE.feedback, post, methods=["POST"])]


def cross_site_refusal(
    renderer: Renderer, kb: KnowledgeBase, renderers: Mapping[str, Renderer] | None = None
) -> Callable[[Scope], ASGIApp]:
    """What SameOriginForms answers a vote posted from another site: JSON to a JSON post, a page to a form, in
    the language of the page the vote names (its `page` field, "/en/delais/": English), French without one. The
    body is read, within the form's limit, for that field only: nothing is recorded."""

    async def refuse(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        api = is_json(request)
        page: object = None
        try:
            if api:
                data = parse_json(await read_body(request, limit=_FORM_LIMIT))
                page = data.get("page") if isinstance(data, dict) else None
            else:
                page = (await read_form(request, limit=_FORM_LIMIT)).get("page")
        except (ApiError, ClientDisconnect):
            page = None
        code = language_of_path(kb, page) if isinstance(page, str) else kb.site.language
        frame = (renderers or {}).get(code, renderer)
        message = frame.kb.site.feedback.cross_site
        if api:
            response: Response = ApiError(403, "cross_site", message).response()
        else:
            response = _html(frame.feedback("", problem=message), 403, {"Content-Language": frame.kb.language})
        await response(scope, receive, send)

    return lambda scope: refuse


def _refusal_text(refused: FeedbackRefused, framed: Renderer) -> str:
    """The refusal's wording from data/site.yml, in the answer's language."""
    texts = framed.kb.site.feedback
    wording = {
        "invalid_page": texts.invalid_page,
        "invalid_vote": texts.invalid_vote,
        "invalid_comment": texts.invalid_comment,
        "comment_closed": texts.comment_closed,
    }
    return wording[refused.code]


def _api_error(refused: FeedbackRefused, framed: Renderer) -> ApiError:
    return ApiError(_STATUS[refused.code], refused.code, _refusal_text(refused, framed), headers=_language(framed))


def _language(framed: Renderer) -> dict[str, str]:
    return {"Content-Language": framed.kb.language}


def _html(body: bytes, status: int, headers: dict[str, str] | None = None) -> Response:
    return HTMLResponse(body, status, {**_NO_STORE, **(headers or {})})
