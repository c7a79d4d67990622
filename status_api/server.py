"""How the service is served: one uvicorn process, as `status-api serve` and the benchmarks run it."""

from __future__ import annotations

from starlette.types import ASGIApp


def run(app: ASGIApp, *, host: str, port: int, log_level: str = "info") -> None:
    import uvicorn

    # httptools is uvicorn's fast HTTP parser; it comes with uvicorn[standard].
    uvicorn.run(app, host=host, port=port, http="httptools", log_level=log_level)
