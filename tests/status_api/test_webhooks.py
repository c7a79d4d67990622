"""Webhook subscriptions against `status-api serve` for real and a local HTTP receiver: registered with the
token, every incident update POSTed as JSON signed with the documented formula (X-Status-Signature =
"sha256=" + hex(HMAC-SHA256(secret, X-Status-Timestamp + "." + body))), retried with backoff, switched off
after STATUS_API_WEBHOOK_FAILURES failures in a row."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx2
import pytest

from kb_build.paths import SERVICE
from tests.status_api.helpers import AUTH, TOKEN, Server, served_on

PUBLIC = "https://etat.example.test"


class Receiver:
    """A local HTTP server that keeps each POST (headers, body), answering 500 to the next `fail` ones, or a
    redirect to `redirect` when set; it counts every request, whatever its method, in `attempts`."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.fail = 0
        self.attempts = 0
        self.redirect: str | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                receiver.attempts += 1
                self.send_response(204)
                self.end_headers()

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.attempts += 1
                if receiver.redirect is not None:
                    self.send_response(302)
                    self.send_header("Location", receiver.redirect)
                elif receiver.fail > 0:
                    receiver.fail -= 1
                    self.send_response(500)
                else:
                    receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait(self, count: int, timeout: float = 20) -> list[tuple[dict[str, str], bytes]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received) >= count:
                return self.received
            time.sleep(0.05)
        raise AssertionError(f"{len(self.received)} deliveries, not {count}, within {timeout} s")


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # No STATUS_API_SMTP_URL: webhooks need no mail server.
    env = {"STATUS_API_TOKEN": TOKEN, "STATUS_API_PUBLIC_URL": PUBLIC, "STATUS_API_WEBHOOK_FAILURES": "3"}
    running = served_on(request.param, request, tmp_path_factory.mktemp("webhooks"), **env)
    yield running
    running.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.stop()


def register(server: Server, url: str) -> dict[str, Any]:
    response = httpx2.post(f"{server.url}{SERVICE.webhooks}", json={"url": url}, headers=AUTH, timeout=10)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def delete(server: Server, webhook: dict[str, Any]) -> None:
    path = SERVICE.webhook.format(id=webhook["id"])
    assert httpx2.delete(f"{server.url}{path}", headers=AUTH, timeout=10).status_code == 204


_incidents = iter(range(1000, 10_000))


def incident(server: Server) -> str:
    reference = f"INC-W{next(_incidents)}"
    body = {
        "title": "SMS retardés",
        "services": ["sms"],
        "started_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
    }
    assert httpx2.put(f"{server.url}/api/v1/incidents/{reference}", json=body, headers=AUTH, timeout=10).is_success
    return reference


def post_update(server: Server, reference: str, text: str) -> None:
    answer = httpx2.post(f"{server.url}/api/v1/incidents/{reference}/updates", json={"text": text}, headers=AUTH)
    assert answer.status_code == 201, answer.text


def test_registering_needs_the_token_and_a_url(server: Server) -> None:
    url = f"{server.url}{SERVICE.webhooks}"
    assert httpx2.post(url, json={"url": "https://example.com/hook"}, timeout=10).status_code == 401
    assert httpx2.get(url, timeout=10).status_code == 401
    wrong = httpx2.post(url, json={"url": "ftp://example.com"}, headers=AUTH, timeout=10)
    assert wrong.status_code == 422 and wrong.json()["error"]["details"][0]["field"] == "url"
    created = register(server, "https://example.com/hook")
    assert len(created["secret"]) == 64 and created["active"] is True
    listed = httpx2.get(url, headers=AUTH, timeout=10).json()["webhooks"]
    assert {"id": created["id"], "url": "https://example.com/hook", "active": True, "failures": 0} in listed
    assert "secret" not in json.dumps(listed)
    delete(server, created)
    path = SERVICE.webhook.format(id=created["id"])
    assert httpx2.delete(f"{server.url}{path}", headers=AUTH, timeout=10).status_code == 404


def test_each_update_is_posted_signed(server: Server, receiver: Receiver) -> None:
    webhook = register(server, receiver.url)
    try:
        reference = incident(server)
        post_update(server, reference, "Les SMS partent avec du retard.")
        received = receiver.wait(2)
        for headers, body in received:
            timestamp = headers["x-status-timestamp"]
            expected = hmac.new(webhook["secret"].encode(), timestamp.encode() + b"." + body, hashlib.sha256)
            assert headers["x-status-signature"] == f"sha256={expected.hexdigest()}"
            assert abs(int(timestamp) - time.time()) < 60
            assert headers["content-type"] == "application/json"
        opening, update = (json.loads(body) for _, body in received)
        assert opening["type"] == update["type"] == "incident_update"
        assert update["title"] == "SMS retardés" and update["text"] == "Les SMS partent avec du retard."
        assert update["services"] == ["sms"] and update["url"] == f"{PUBLIC}/etat-du-service#incident-{reference}"
        assert opening["text"] is None and opening["notice"] != update["notice"]
    finally:
        delete(server, webhook)


def test_a_failed_delivery_is_retried(server: Server, receiver: Receiver) -> None:
    webhook = register(server, receiver.url)
    try:
        receiver.fail = 2  # below the 3 failures in a row that switch a webhook off
        post_update(server, incident(server), "Nouvelle tentative.")
        received = receiver.wait(2)  # the opening and the update, each delivered once in the end
        time.sleep(1)
        assert receiver.attempts == 4 and len(received) == 2
        # Retries may deliver them in either order; the receiver orders them by "at" if it needs to.
        assert {json.loads(body)["text"] for _, body in received} == {None, "Nouvelle tentative."}
    finally:
        delete(server, webhook)


def test_a_redirect_is_a_failed_delivery_and_is_not_followed(server: Server, receiver: Receiver) -> None:
    inside = Receiver()  # an address the service must never be made to call
    webhook = register(server, receiver.url)
    try:
        receiver.redirect = inside.url + "?internal=1"
        post_update(server, incident(server), "Redirigé ?")
        deadline = time.monotonic() + 20
        while receiver.attempts < 2 and time.monotonic() < deadline:  # the opening's and the update's
            time.sleep(0.05)
        time.sleep(0.5)
        assert receiver.attempts >= 2 and receiver.received == []
        assert inside.attempts == 0
        assert "failed (HTTP Error 302" in server.log.read_text(encoding="utf-8")
    finally:
        delete(server, webhook)
        inside.stop()


def test_a_webhook_that_keeps_failing_is_switched_off(server: Server, receiver: Receiver) -> None:
    webhook = register(server, receiver.url)
    try:
        receiver.fail = 1000
        reference = incident(server)
        deadline = time.monotonic() + 20
        shown: dict[str, Any] = {}
        while time.monotonic() < deadline:
            listed = httpx2.get(f"{server.url}{SERVICE.webhooks}", headers=AUTH, timeout=10).json()["webhooks"]
            shown = next(w for w in listed if w["id"] == webhook["id"])
            if not shown["active"]:
                break
            time.sleep(0.2)
        assert shown == {**shown, "active": False, "failures": 3}
        attempts = receiver.attempts
        post_update(server, reference, "Personne ne l'entendra.")
        time.sleep(2)
        assert receiver.attempts == attempts
    finally:
        delete(server, webhook)
