"""The bearer token that every write needs (what makes one too weak to start with is in config/checks.py)."""

from __future__ import annotations

import hmac

from starlette.requests import Request

from status_api.domain import messages
from status_api.http.errors import ApiError


def require_token(request: Request, token: str | None) -> None:
    if token is None:
        # No token configured means no writes at all: a forgotten variable must not open the API.
        raise ApiError(403, "writes_disabled", messages.WRITES_DISABLED)
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    # compare_digest takes as long whatever the mismatch, so that timing tells nothing of the token.
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise ApiError(401, "unauthorized", messages.UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"})
