"""`status-api zendesk sync` against a local HTTP server that serves Zendesk's cursor-based incremental ticket
export as documented: pages with after_url and end_of_stream, Basic "email/token:api_token", and a 429."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from kb_build import load
from status_api.domain.records import Ticket
from tests.status_api.helpers import DATA, opened, run_cli

ZD = load(DATA).helpdesk.zendesk
EMAIL, API_TOKEN = "agent@example.com", "zendesk-api-token"
PATH = "/api/v2/incremental/tickets/cursor.json"


def _ticket(number: int, status: str, call_id: str | None, updated: str, **extra: Any) -> dict[str, Any]:
    fields = [{"id": int(ZD.call_id_fields[0]), "value": call_id}]
    if ZD.issue_type.field:
        fields.append({"id": int(ZD.issue_type.field), "value": extra.pop("issue", None)})
    return {
        "id": number,
        "status": status,
        "group_id": None,
        "tags": extra.pop("tags", []),
        "custom_fields": fields,
        "created_at": "2026-11-02T08:00:00Z",
        "updated_at": updated,
        "requester_id": 20978392,
        **extra,
    }


class Zendesk:
    """The export's pages; the second one answers 429 once, with Retry-After, before it is served."""

    def __init__(self) -> None:
        self.requests: list[tuple[float, str, int]] = []
        self.limited = False
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def page(self, cursor: str | None) -> dict[str, Any]:
        if cursor is None:
            tickets = [
                _ticket(501, "open", "20261102080000000501", "2026-11-02T09:00:00Z", issue="activation_portabilite"),
                _ticket(502, "new", None, "2026-11-02T09:30:00Z"),  # no call ID: not a ticket of ours
            ]
            after = "c1"
        else:
            tickets = [_ticket(503, "solved", "20261102080000000503", "2026-11-03T10:00:00Z", tags=["perturbation"])]
            after = "c2"
        return {
            "tickets": tickets,
            "after_url": f"{self.url}{PATH}?cursor={after}",
            "after_cursor": after,
            "before_url": None,
            "before_cursor": None,
            "end_of_stream": cursor is not None,
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        zendesk = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                expected = "Basic " + base64.b64encode(f"{EMAIL}/token:{API_TOKEN}".encode()).decode()
                status = 200
                if self.headers.get("Authorization") != expected:
                    status, body, headers = 401, {"error": "Couldn't authenticate you"}, {}
                elif url.path != PATH or not ({"start_time"} <= set(query) or {"cursor"} <= set(query)):
                    status, body, headers = 404, {"error": "InvalidEndpoint"}, {}
                elif "cursor" in query and not zendesk.limited:
                    zendesk.limited = True
                    status, body, headers = 429, {"error": "APIRateLimitExceeded"}, {"Retry-After": "1"}
                else:
                    body, headers = zendesk.page(query.get("cursor", [None])[0]), {}
                zendesk.requests.append((time.monotonic(), self.path, status))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def zendesk() -> Iterator[Zendesk]:
    local = Zendesk()
    thread = threading.Thread(target=local.server.serve_forever, daemon=True)
    thread.start()
    yield local
    local.server.shutdown()
    local.server.server_close()


def _sync(zendesk: Zendesk, db: Path | str, token: str = API_TOKEN) -> Any:
    env = {
        "STATUS_API_DB": str(db),
        "STATUS_API_ZENDESK_URL": zendesk.url,
        "STATUS_API_ZENDESK_EMAIL": EMAIL,
        "STATUS_API_ZENDESK_API_TOKEN": token,
    }
    return run_cli("zendesk", "sync", "--since", "2026-11-01", env=env)


def test_the_backfill_reads_every_page_and_waits_when_told(zendesk: Zendesk, database: str) -> None:
    db = database
    done = _sync(zendesk, db)
    assert done.returncode == 0, done.stderr
    assert "3 ticket(s) Zendesk lus (created : 2, unknown_ticket : 1)" in done.stdout
    first, limited, retried = zendesk.requests
    assert "start_time=1793491200" in first[1] and first[2] == 200
    assert (limited[2], retried[2]) == (429, 200) and "cursor=c1" in retried[1]
    assert retried[0] - limited[0] >= 1  # Retry-After honoured
    store = opened(db)
    try:
        found = store.get(Ticket, ZD.reference_prefix + "501")
        solved = store.get(Ticket, ZD.reference_prefix + "503")
        assert store.get(Ticket, ZD.reference_prefix + "502") is None
    finally:
        store.close()
    assert found is not None and found.step == "examen-technique" and found.issue_type == "activation-portabilite"
    assert solved is not None and solved.resolved_at is not None and solved.prioritised
    # The same export again changes nothing.
    zendesk.limited, zendesk.requests = True, []
    again = _sync(zendesk, db)
    assert again.returncode == 0, again.stderr
    assert "created" not in again.stdout and "unknown_ticket : 1" in again.stdout


def test_refused_credentials_stop_the_backfill_with_a_clear_message(zendesk: Zendesk, tmp_path: Path) -> None:
    done = _sync(zendesk, tmp_path / "db.sqlite3", token="wrong")
    assert done.returncode == 1
    assert "STATUS_API_ZENDESK_API_TOKEN" in done.stderr and "Traceback" not in done.stderr


def test_the_backfill_needs_its_settings(tmp_path: Path) -> None:
    done = run_cli("zendesk", "sync", "--since", "2026-11-01", env={"STATUS_API_DB": str(tmp_path / "db.sqlite3")})
    assert done.returncode == 1 and "STATUS_API_ZENDESK_URL" in done.stderr
