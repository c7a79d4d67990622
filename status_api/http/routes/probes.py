"""For whoever runs the service: /readyz says whether the database answers; /healthz, that the process does;
/api/v1/stats (staff) counts the lookups' answer cache."""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kb_build.paths import SERVICE
from status_api.core import Core
from status_api.core.lookup import Lookups
from status_api.domain.errors import StoreUnavailable
from status_api.http.auth import require_token
from status_api.http.errors import ApiError, json_response

logger = logging.getLogger("status_api")


def probe_routes(core: Core, lookups: Lookups, token: str | None) -> list[Route]:
    async def healthz(request: Request) -> Response:
        return json_response({"status": "ok"})

    async def readyz(request: Request) -> Response:
        try:
            # The lookup's own read path, for an ID that cannot exist: ready means customers get answers.
            await run_in_threadpool(core.store.by_call_id, "")
        except StoreUnavailable as error:
            logger.warning("not ready: %s", error)
            message = core.kb.tracking.result.unavailable
            raise ApiError(503, "unavailable", message, headers={"Retry-After": "5"}) from None
        return json_response({"status": "ok"})

    async def stats(request: Request) -> Response:
        require_token(request, token)
        cache = lookups.cache
        counts = {"entries": len(cache), "capacity": cache.max_entries, "hits": cache.hits, "misses": cache.misses}
        return json_response({"lookup_cache": counts})

    return [
        Route(SERVICE.healthz, healthz, methods=["GET"]),
        Route(SERVICE.readyz, readyz, methods=["GET"]),
        Route(SERVICE.stats, stats, methods=["GET"]),
    ]
