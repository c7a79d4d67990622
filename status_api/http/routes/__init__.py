"""The service's routes, a module per area; `route` makes one route of an address that takes several methods."""

from __future__ import annotations

from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send


class ByMethod:
    """One address, one ASGI app per method: Starlette's Route then answers 405 with every method in `Allow`.

    Routes for one path, one per method, would each name only their own method, and the first would win.
    """

    def __init__(self, apps: dict[str, ASGIApp]) -> None:
        self.apps = dict(apps)
        if "GET" in self.apps:
            self.apps.setdefault("HEAD", self.apps["GET"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.apps[scope["method"]](scope, receive, send)


def route(path: str, apps: dict[str, ASGIApp]) -> Route:
    if len(apps) == 1:  # one method: nothing to dispatch (the JSON lookup is served so, a layer fewer)
        ((method, app),) = apps.items()
        return Route(path, app, methods=[method])
    endpoint = ByMethod(apps)
    return Route(path, endpoint, methods=list(endpoint.apps))
