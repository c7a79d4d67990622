"""Waiting for the helpdesk applier: a webhook answers once a delivery is in the inbox (202), and the applier
applies it within about a second; tests that look at the outcome wait for it here, through the store."""

from __future__ import annotations

import time

import httpx2

from tests.status_api.helpers import Server, opened

TIMEOUT = 15.0


def outcome(server: Server, answer: httpx2.Response, source: str = "zendesk") -> str:
    """The outcome the applier recorded for the delivery `answer` accepted (or found a duplicate of), once it
    is applied; fails after TIMEOUT seconds."""
    assert answer.status_code in (200, 202), answer.text
    delivery = answer.json()["delivery"]
    store = opened(server.database)
    try:
        deadline = time.monotonic() + TIMEOUT
        while (found := store.received_outcome(source, delivery)) is None:
            assert time.monotonic() < deadline, f"{source} delivery {delivery} not applied after {TIMEOUT} s"
            time.sleep(0.02)
        return found
    finally:
        store.close()


def applied(server: Server, answer: httpx2.Response, source: str = "zendesk") -> httpx2.Response:
    """`answer`, once its delivery is applied: for tests that look at the ticket afterwards."""
    outcome(server, answer, source)
    return answer
