"""Helpdesks' webhooks: a signed delivery read into a HelpdeskChange and kept in the store's inbox, answered at
once (202); the applier (core/applier.py) applies it with the use case (core/helpdesk.py) within about a
second and logs the outcome. The helpdesk waits for no database work but one insert."""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kb_build.paths import SERVICE
from status_api.core import Core, writes
from status_api.domain import messages
from status_api.domain.errors import Invalid, Problem
from status_api.domain.helpdesk import HelpdeskChange
from status_api.helpdesk import generic, signature, zendesk
from status_api.http.bodies import parse_json, read_body
from status_api.http.errors import ApiError, json_response

logger = logging.getLogger("status_api.helpdesk")

_REFUSALS = {"invalid_signature": messages.INVALID_SIGNATURE, "stale_timestamp": messages.STALE_TIMESTAMP}


def hook_routes(
    core: Core, zendesk_secret: str | None, hook_secret: str | None, wake: Callable[[], None]
) -> list[Route]:
    """`wake` tells the applier a delivery awaits it."""
    mapping = core.kb.helpdesk.zendesk

    async def accept(source: str, reference: str, change: HelpdeskChange) -> Response:
        reference = writes.checked(reference)
        new = await run_in_threadpool(core.store.receive, source, reference, change, core.clock())
        if not new:
            logger.info("%s delivery %s for %s: duplicate", source, change.delivery[:80], reference)
            return json_response({"status": "duplicate", "reference": reference, "delivery": change.delivery})
        wake()
        return json_response({"status": "accepted", "reference": reference, "delivery": change.delivery}, 202)

    async def zendesk_hook(request: Request) -> Response:
        if zendesk_secret is None:
            raise ApiError(503, "not_configured", messages.HOOK_NOT_CONFIGURED)
        raw = await read_body(request)
        headers = request.headers
        refusal = signature.check(
            zendesk_secret,
            headers.get(signature.TIMESTAMP_HEADER),
            headers.get(signature.SIGNATURE_HEADER),
            raw,
            core.clock(),
        )
        if refusal is not None:
            logger.warning("zendesk delivery refused: %s", refusal)
            raise ApiError(401, refusal, _REFUSALS[refusal])
        try:
            change = zendesk.read(parse_json(raw), headers.get(signature.INVOCATION_HEADER), raw, mapping)
        except zendesk.Malformed as error:
            raise ApiError(422, "invalid_body", messages.HOOK_MALFORMED.format(reason=error)) from None
        if isinstance(change, zendesk.Ignored):
            return json_response({"status": "ignored"})
        return await accept("zendesk", mapping.reference_prefix + change.ticket, change)

    async def generic_hook(request: Request) -> Response:
        if hook_secret is None:
            raise ApiError(503, "not_configured", messages.GENERIC_HOOK_NOT_CONFIGURED)
        raw = await read_body(request)
        headers = request.headers
        now = core.clock()
        refusal = signature.check(
            hook_secret,
            headers.get(signature.GENERIC_TIMESTAMP_HEADER),
            headers.get(signature.GENERIC_SIGNATURE_HEADER),
            raw,
            now,
            signer=signature.sign_generic,
        )
        if refusal is not None:
            logger.warning("generic delivery refused: %s", refusal)
            raise ApiError(401, refusal, _REFUSALS[refusal])
        change = generic.change(core.validate(generic.GenericDelivery, parse_json(raw)))
        if change.at > now + signature.TOLERANCE:
            # A clock or time zone gone wrong: applied, it would make every later change of the ticket look older.
            raise Invalid([Problem(("at",), "invalid_body", messages.HOOK_FUTURE_CHANGE)])
        return await accept("generic", generic.REFERENCE_PREFIX + change.ticket, change)

    return [
        Route(SERVICE.zendesk_hook, zendesk_hook, methods=["POST"]),
        Route(SERVICE.generic_hook, generic_hook, methods=["POST"]),
    ]
