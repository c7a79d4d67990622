"""The bearer token that every write needs: how it is checked, and what makes one too weak to start with."""

from __future__ import annotations

import hmac
import re

from starlette.requests import Request

from status_api import messages
from status_api.errors import ApiError

# `status-api token` prints 43 characters drawn from 64; a shorter token is within reach of guessing.
MIN_TOKEN_LENGTH = 32
# Printable ASCII without spaces: what an Authorization header carries intact, whatever the client.
_PRINTABLE = re.compile(r"[\x21-\x7e]+")
# Words and runs people reach for when they make a token up; what is left of a token once they are taken out
# is what an attacker has to guess.
_GUESSABLE = re.compile(
    r"password|passwd|motdepasse|secret|token|jeton|changeme|admin|root|support|ringover|letmein|welcome|bienvenue"
    r"|azerty|qwerty|0123456789|123456789|12345678|abcdefgh|test",
    re.IGNORECASE,
)
_MIN_DISTINCT = 10
_MIN_UNGUESSABLE = 24


def require_token(request: Request, token: str | None) -> None:
    if token is None:
        # No token configured means no writes at all: a forgotten variable must not open the API.
        raise ApiError(403, "writes_disabled", messages.WRITES_DISABLED)
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    # compare_digest takes as long whatever the mismatch, so that timing tells nothing of the token.
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise ApiError(401, "unauthorized", messages.UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"})


def token_problem(token: str) -> str | None:
    """Why this token must not be used, in French; None when it is good enough."""
    advice = "« status-api token » en affiche un sûr."
    if not _PRINTABLE.fullmatch(token):
        return (
            "STATUS_API_TOKEN : le jeton ne doit contenir que des caractères ASCII visibles (ni espace, ni accent, "
            f"ni caractère spécial hors ASCII) : un client HTTP ne pourrait pas toujours l'envoyer tel quel. {advice}"
        )
    if len(token) < MIN_TOKEN_LENGTH:
        return (
            f"STATUS_API_TOKEN : le jeton compte {len(token)} caractères, il en faut au moins {MIN_TOKEN_LENGTH}. "
            + advice
        )
    if len(set(token)) < _MIN_DISTINCT or len(_GUESSABLE.sub("", token)) < _MIN_UNGUESSABLE:
        return (
            "STATUS_API_TOKEN : ce jeton est trop facile à deviner (un caractère répété, un mot courant, une suite "
            f"comme 123456…). {advice}"
        )
    return None
