"""Fixtures: the real data, a store in a temporary folder, the app in process, and a real server."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
from starlette.testclient import TestClient

from kb_build import load
from kb_build.model import KnowledgeBase
from status_api.app import create_app
from status_api.config import Settings
from status_api.store import SQLiteStore
from tests.status_api.helpers import AUTH, DATA, NOW, ROOT, TOKEN, free_port, status_api_command, ticket_body


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load(DATA)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    opened = SQLiteStore(tmp_path / "status.sqlite3")
    yield opened
    opened.close()


@pytest.fixture
def app_for(kb: KnowledgeBase, store: SQLiteStore) -> Iterator[Callable[..., TestClient]]:
    """A client for the app built with these settings, on the test's store, at NOW."""
    clients: list[TestClient] = []

    def build(**settings: Any) -> TestClient:
        client = TestClient(create_app(Settings(**settings), kb, store, clock=lambda: NOW))
        clients.append(client.__enter__())
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(app_for: Callable[..., TestClient]) -> TestClient:
    return app_for(token=TOKEN)


@pytest.fixture
def put_ticket(client: TestClient, kb: KnowledgeBase) -> Callable[..., dict[str, Any]]:
    def put(reference: str = "RGV-1", **overrides: Any) -> dict[str, Any]:
        response = client.put(f"/api/v1/tickets/{reference}", json=ticket_body(kb, **overrides), headers=AUTH)
        assert response.status_code in (200, 201), response.text
        result: dict[str, Any] = response.json()
        return result

    return put


@dataclass
class Server:
    url: str
    process: subprocess.Popen[str]
    log: Path

    def stop(self) -> str:
        """Stop the server; what it printed."""
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=15)
        return self.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """`status-api serve` for real, on a free port, ready once /healthz answers."""
    servers: list[Server] = []

    def start(**env: str) -> Server:
        port = free_port()
        environment = {
            **os.environ,
            "STATUS_API_DB": str(tmp_path / "served.sqlite3"),
            "KB_DATA_DIR": str(DATA),
            # Tests call from one address far faster than a customer: the limits have their own tests.
            "STATUS_API_RATE_LIMIT": "off",
            **env,
        }
        log = tmp_path / f"server-{port}.log"
        # Into a file, not a pipe: a pipe that nobody reads fills up with the access log and stalls the server.
        with log.open("w") as output:
            process = subprocess.Popen(
                [status_api_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=environment,
                cwd=ROOT,
                stdout=output,
                stderr=subprocess.STDOUT,
                text=True,
            )
        server = Server(f"http://127.0.0.1:{port}", process, log)
        servers.append(server)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"status-api serve exited with {process.returncode}:\n{server.stop()}")
            try:
                if httpx2.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                    return server
            except httpx2.TransportError:
                time.sleep(0.1)
        pytest.fail(f"status-api serve did not answer /healthz within 30 s:\n{server.stop()}")

    yield start
    for server in servers:
        server.stop()
