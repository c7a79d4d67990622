"""Probes for whoever runs the service: /readyz says whether the database answers; /healthz, that the process does."""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kb_build.model import KnowledgeBase
from status_api.errors import ApiError, json_response
from status_api.store import Store, StoreUnavailable

logger = logging.getLogger("status_api")


class ProbeRoutes:
    def __init__(self, kb: KnowledgeBase, store: Store) -> None:
        self.kb = kb
        self.store = store

    def routes(self) -> list[Route]:
        return [Route("/readyz", self.readyz, methods=["GET"])]

    async def readyz(self, request: Request) -> Response:
        try:
            # The lookup's own read path, for an ID that cannot exist: ready means customers get answers.
            await run_in_threadpool(self.store.by_call_id, "")
        except StoreUnavailable as error:
            logger.warning("not ready: %s", error)
            message = self.kb.tracking.result.unavailable
            raise ApiError(503, "unavailable", message, headers={"Retry-After": "5"}) from None
        return json_response({"status": "ok"})
