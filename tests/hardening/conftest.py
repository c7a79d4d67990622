"""Fixtures for the hardening tests: those of the status_api tests, and a store with one known ticket."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from kb_build.model import KnowledgeBase
from tests.status_api.conftest import app_for, kb, new_store, start_server, store  # noqa: F401  (shared fixtures)
from tests.status_api.helpers import AUTH, CALL_ID, TOKEN, ticket_body

__all__ = ["AUTH", "CALL_ID", "TOKEN"]


@pytest.fixture
def with_ticket(kb: KnowledgeBase, app_for: Callable[..., TestClient]) -> Callable[..., TestClient]:  # noqa: F811
    """A client for the app built with these settings, on a store that holds the ticket RGV-1 (CALL_ID)."""

    def build(**settings: Any) -> TestClient:
        client = app_for(token=TOKEN, **settings)
        response = client.put("/api/v1/tickets/RGV-1", json=ticket_body(kb), headers=AUTH)
        assert response.status_code == 201, response.text
        response = client.post("/api/v1/tickets/RGV-1/updates", json={"text": "Analyse en cours."}, headers=AUTH)
        assert response.status_code == 201, response.text
        return client

    return build
