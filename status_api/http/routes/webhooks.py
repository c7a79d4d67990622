"""Staff's webhook subscriptions over HTTP, behind the token: register (the answer gives the secret, once),
list, delete."""

from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, request_response

from kb_build.paths import SERVICE
from status_api.core import Core, webhooks
from status_api.domain import messages
from status_api.domain.outbox import Webhook
from status_api.http.auth import require_token
from status_api.http.bodies import read_json
from status_api.http.errors import ApiError, json_response
from status_api.http.routes import route

_ID = re.compile(r"[0-9]{1,18}")


def _shown(webhook: Webhook, *, secret: bool = False) -> dict[str, object]:
    shown: dict[str, object] = {
        "id": webhook.id,
        "url": webhook.url,
        "active": not webhook.disabled,
        "failures": webhook.failures,
    }
    if secret:
        shown["secret"] = webhook.secret
    return shown


def webhook_routes(core: Core, token: str | None) -> list[Route]:
    async def register(request: Request) -> Response:
        require_token(request, token)
        data = await read_json(request)
        url = data.get("url") if isinstance(data, dict) and set(data) == {"url"} else None
        webhook = await run_in_threadpool(webhooks.register, core, url)
        return json_response(_shown(webhook, secret=True), 201)

    async def listed(request: Request) -> Response:
        require_token(request, token)
        found = await run_in_threadpool(webhooks.listed, core)
        return json_response({"webhooks": [_shown(webhook) for webhook in found]})

    async def delete(request: Request) -> Response:
        require_token(request, token)
        given = request.path_params["id"]
        # ASCII digits only: str.isdigit() takes "¹" too, which int() refuses.
        found = _ID.fullmatch(given) is not None and await run_in_threadpool(webhooks.delete, core, int(given))
        if not found:
            raise ApiError(404, "not_found", messages.WEBHOOK_NOT_FOUND.format(id=given[:40]))
        return Response(status_code=204, headers={"Cache-Control": "no-store"})

    return [
        route(SERVICE.webhooks, {"POST": request_response(register), "GET": request_response(listed)}),
        Route(SERVICE.webhook, delete, methods=["DELETE"]),
    ]
