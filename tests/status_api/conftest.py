"""Fixtures: the real data, a store in a temporary folder, the app in process, and a real server."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from kb_build import load
from kb_build.model import KnowledgeBase
from status_api.app import create_app
from status_api.config import Settings
from status_api.domain.store import Store
from status_api.storage import SQLiteStore
from tests.status_api.helpers import AUTH, DATA, NOW, TOKEN, Server, serve, ticket_body


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load(DATA)


# The backends a test runs against when it says so (one suite, not a copy): @BOTH_BACKENDS, or
# pytestmark = BOTH_BACKENDS for a module whose tests all use the store.
BOTH_BACKENDS = pytest.mark.parametrize("new_store", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Store]]:
    """Opens stores of the test's backend: SQLite in a temporary folder, or (parametrised "postgres") a
    database of its own on the session's PostgreSQL server; all closed at the end."""
    backend = getattr(request, "param", "sqlite")
    opened: list[Store] = []
    url = request.getfixturevalue("pg_url") if backend == "postgres" else None

    def make(**options: Any) -> Store:
        made: Store
        if url is not None:
            from status_api.storage.postgres import PostgresStore

            made = PostgresStore(url, **options)
        else:
            made = SQLiteStore(tmp_path / "status.sqlite3", **options)
        opened.append(made)
        return made

    yield make
    for made in opened:
        made.close()


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """STATUS_API_DB for a test that asks for it, run on both backends: a SQLite file, or a PostgreSQL
    database of its own (for a real server or the CLI; helpers.opened opens it)."""
    if request.param == "postgres":
        url: str = request.getfixturevalue("pg_url")
        return url
    return str(tmp_path / "status.sqlite3")


@pytest.fixture
def store(new_store: Callable[..., Store]) -> Store:
    return new_store()


@pytest.fixture
def app_for(kb: KnowledgeBase, store: Store) -> Iterator[Callable[..., TestClient]]:
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


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """`status-api serve` for real, on a free port, ready once /healthz answers."""
    servers: list[Server] = []

    def start(max_files: int | None = None, **env: str) -> Server:
        environment = {
            **os.environ,
            "STATUS_API_DB": str(tmp_path / "served.sqlite3"),
            "KB_DATA_DIR": str(DATA),
            # Tests call from one address far faster than a customer: the limits have their own tests.
            "STATUS_API_RATE_LIMIT": "off",
            **env,
        }
        server = serve(environment, tmp_path / f"server-{len(servers)}.log", max_files=max_files)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
