"""Request bodies read safely: a size limit, JSON or a form, and a clear error for anything else."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from starlette.requests import ClientDisconnect, Request

from status_api.domain import messages
from status_api.http.errors import ApiError

MAX_BODY = 64 * 1024
_JSON = json.JSONDecoder()


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    declared = _header(request, b"content-length")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    # Count while reading: a client may send more than it declared, or declare nothing. The messages are read
    # as they come rather than through Request.stream(), whose generator costs more than a small body's parsing.
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
        more = message.get("more_body", False)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _too_large(limit: int) -> ApiError:
    return ApiError(413, "body_too_large", messages.BODY_TOO_LARGE.format(limit=limit))


def _header(request: Request, name: bytes) -> bytes:
    # Straight from the scope, where the server gives names in lower case: the lookups read two headers each.
    for key, value in request.scope["headers"]:
        if key == name:
            return bytes(value)
    return b""


def is_json(request: Request) -> bool:
    """Whether the body says it is JSON (an API-style client, answered in JSON), rather than a form."""
    media_type = _media_type(request)
    return media_type == "application/json" or media_type.endswith("+json")


def _media_type(request: Request) -> str:
    return _header(request, b"content-type").partition(b";")[0].strip().lower().decode("latin-1")


async def read_json(request: Request) -> object:
    return parse_json(await read_json_bytes(request))


async def read_json_bytes(request: Request) -> bytes:
    """The body of a request that says it is JSON, not parsed yet."""
    media_type = _media_type(request)
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise ApiError(415, "unsupported_media_type", messages.UNSUPPORTED_MEDIA_TYPE)
    return await read_body(request)


def parse_json(body: bytes) -> object:
    try:
        # As "utf-8-sig" would, without its codec's Python layer: a leading byte order mark is allowed.
        text = body.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_body", messages.NOT_UTF8) from None
    try:
        return _JSON.decode(text)
    except json.JSONDecodeError as error:
        raise ApiError(
            400, "invalid_body", messages.INVALID_JSON.format(line=error.lineno, column=error.colno)
        ) from None
    # Absurdly deep nesting, or an integer of thousands of digits (which Python refuses to convert):
    # malformed for our purposes, not a server error.
    except (RecursionError, ValueError):
        raise ApiError(400, "invalid_body", messages.JSON_TOO_COMPLEX) from None


async def read_form(request: Request, limit: int = 4096) -> dict[str, str]:
    """An HTML form's fields (first value of each); parsed here so that no multipart parser is needed."""
    return {name: values[0] for name, values in (await read_form_lists(request, limit)).items()}


async def read_form_lists(request: Request, limit: int = 4096) -> dict[str, list[str]]:
    """An HTML form's fields, each with all its values (checkboxes of one name)."""
    if _media_type(request) != "application/x-www-form-urlencoded":
        raise ApiError(415, "unsupported_media_type", messages.UNSUPPORTED_FORM)
    body = await read_body(request, limit=limit)
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20, errors="strict")
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_body", messages.NOT_UTF8) from None
    except ValueError:  # more fields than any form of ours has
        raise ApiError(400, "invalid_body", messages.UNSUPPORTED_FORM) from None
    return fields
