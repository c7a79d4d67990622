"""Zendesk's cursor-based incremental ticket export, read page by page, for a backfill (status-api zendesk sync).

GET /api/v2/incremental/tickets/cursor.json?start_time=…, then each page's after_url until end_of_stream;
a 429 waits the Retry-After it names. Credentials are an agent's e-mail address and an API token (Basic
"email/token:api_token"), sent only to the account's own address.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

PATH = "/api/v2/incremental/tickets/cursor.json"
MAX_WAITS = 10
# Longer than this, and the backfill is better run again later.
MAX_RETRY_AFTER = 300


class ExportFailed(Exception):
    """Why the export stopped, in French, for whoever runs the command."""


def tickets(
    base_url: str, email: str, api_token: str, since: datetime, *, sleep: Callable[[float], None] = time.sleep
) -> Iterator[dict[str, Any]]:
    """Every ticket changed since `since`, oldest change first, as Zendesk's ticket objects."""
    origin = base_url.rstrip("/")
    credentials = base64.b64encode(f"{email}/token:{api_token}".encode()).decode("ascii")
    headers = {"Authorization": f"Basic {credentials}", "Accept": "application/json"}
    url: str | None = f"{origin}{PATH}?start_time={int(since.timestamp())}"
    while url is not None:
        if not url.startswith(origin + "/"):
            raise ExportFailed(f"page suivante hors du compte Zendesk ({url[:80]}) : export arrêté")
        page = _page(url, headers, sleep)
        found = page.get("tickets")
        yield from (ticket for ticket in found if isinstance(ticket, dict)) if isinstance(found, list) else ()
        after = page.get("after_url")
        url = None if page.get("end_of_stream") is True or not isinstance(after, str) else after


def _page(url: str, headers: dict[str, str], sleep: Callable[[float], None]) -> dict[str, Any]:
    for _ in range(MAX_WAITS):
        request = urllib.request.Request(url, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                page = json.loads(answer.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            if error.code == 429:
                sleep(_retry_after(error.headers.get("Retry-After")))
                continue
            if error.code in (401, 403):
                raise ExportFailed(
                    f"Zendesk refuse l'accès ({error.code}) : vérifiez STATUS_API_ZENDESK_EMAIL et "
                    "STATUS_API_ZENDESK_API_TOKEN"
                ) from None
            raise ExportFailed(f"Zendesk a répondu {error.code} à {url[:120]}") from None
        except (urllib.error.URLError, OSError) as error:
            raise ExportFailed(f"Zendesk injoignable ({error}) : réessayez plus tard") from None
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ExportFailed(f"réponse illisible de Zendesk à {url[:120]}") from None
        if not isinstance(page, dict):
            raise ExportFailed(f"réponse inattendue de Zendesk à {url[:120]}")
        return page
    raise ExportFailed(f"Zendesk limite encore les requêtes après {MAX_WAITS} attentes : réessayez plus tard")


def _retry_after(value: str | None) -> float:
    try:
        seconds = float(value) if value is not None else 60.0
    except ValueError:
        seconds = 60.0
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)
