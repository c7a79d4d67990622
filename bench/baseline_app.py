"""The baseline: a bare Starlette endpoint returning a small constant JSON body, served like the real service."""

from __future__ import annotations

import sys

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from status_api import server


async def constant(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


app = Starlette(routes=[Route("/", constant, methods=["GET", "POST"])])

if __name__ == "__main__":
    server.run(app, host="127.0.0.1", port=int(sys.argv[1]))
