"""How the service is served: one uvicorn process, as `status-api serve` and the benchmarks run it."""

from __future__ import annotations

import gc

from starlette.types import ASGIApp


def run(app: ASGIApp, *, host: str, port: int, log_level: str = "info") -> None:
    import uvicorn

    # What start-up made (the knowledge base, the templates, the app) lives as long as the process: kept out of
    # the collector's full passes, which would otherwise walk it all and pause a busy server for milliseconds.
    gc.collect()
    gc.freeze()
    # httptools is uvicorn's fast HTTP parser; it comes with uvicorn[standard].
    uvicorn.run(app, host=host, port=port, http="httptools", log_level=log_level)
