"""A soak: client threads read and write at once against a real server, for a fixed number of requests.

Zero 5xx, and every write the server acknowledged is there afterwards. The rate limit stays on: behind a
trusted proxy (this test), each request names a customer of its own in X-Forwarded-For.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2

from kb_build.model import KnowledgeBase
from tests.hardening.conftest import AUTH, TOKEN
from tests.status_api.helpers import Server, ticket_body

CLIENTS = 6
REQUESTS_PER_CLIENT = 250
TICKETS = 12
SECONDS_MAX = 120


def call_id(n: int) -> str:
    return f"5{n:019d}"


def test_concurrent_reads_and_writes(tmp_path: Path, start_server: Callable[..., Server], kb: KnowledgeBase) -> None:
    server = start_server(
        STATUS_API_DB=str(tmp_path / "soak.sqlite3"),
        STATUS_API_TOKEN=TOKEN,
        STATUS_API_RATE_LIMIT="on",
        STATUS_API_TRUSTED_PROXIES="127.0.0.1",
    )
    with httpx2.Client(base_url=server.url, timeout=30) as http:
        for n in range(TICKETS):
            body = ticket_body(kb, call_ids=[call_id(n)])
            assert http.put(f"/api/v1/tickets/SOAK-{n}", json=body, headers=AUTH).status_code == 201

    statuses: Counter[int] = Counter()
    acknowledged: dict[int, set[str]] = {n: set() for n in range(TICKETS)}
    created: list[int] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        chance = random.Random(number)
        with httpx2.Client(base_url=server.url, timeout=30) as http:
            for request in range(REQUESTS_PER_CLIENT):
                forwarded = {"X-Forwarded-For": f"198.51.{number}.{request % 250 + 1}"}
                ticket = chance.randrange(TICKETS)
                roll = chance.random()
                if roll < 0.55:
                    wanted = call_id(ticket) if chance.random() < 0.7 else call_id(1000 + request)
                    response = http.post("/api/v1/lookup", json={"call_id": wanted}, headers=forwarded)
                elif roll < 0.65:
                    response = http.post("/suivi", data={"call_id": call_id(ticket)}, headers=forwarded)
                elif roll < 0.92:
                    text = f"client {number}, requête {request}"
                    headers = {**AUTH, "Idempotency-Key": f"{number}-{request}"}
                    response = http.post(f"/api/v1/tickets/SOAK-{ticket}/updates", json={"text": text}, headers=headers)
                    if response.status_code == 201:
                        with lock:
                            acknowledged[ticket].add(text)
                else:
                    new = 100_000 + number * 1000 + request
                    body = ticket_body(kb, call_ids=[call_id(new)])
                    response = http.put(f"/api/v1/tickets/SOAK-{new}", json=body, headers=AUTH)
                    if response.status_code == 201:
                        with lock:
                            created.append(new)
                with lock:
                    statuses[response.status_code] += 1

    started = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client, range(CLIENTS)))
    elapsed = time.monotonic() - started

    print(f"soak: {sum(statuses.values())} requests in {elapsed:.1f} s, statuses {dict(sorted(statuses.items()))}")
    assert sum(statuses.values()) == CLIENTS * REQUESTS_PER_CLIENT
    assert not [status for status in statuses if status >= 500], statuses
    assert set(statuses) <= {200, 201, 404}, statuses
    assert elapsed < SECONDS_MAX

    with httpx2.Client(base_url=server.url, timeout=30) as http:
        for n, texts in acknowledged.items():
            headers = {"X-Forwarded-For": f"203.0.113.{n}"}
            found = http.post("/api/v1/lookup", json={"call_id": call_id(n)}, headers=headers)
            assert found.status_code == 200
            view = found.json()
            # No acknowledged update is lost: the lookup shows the latest ones and counts the older.
            assert len(view["updates"]) + view["older_updates"] == len(texts), f"SOAK-{n}"
            assert {update["text"] for update in view["updates"]} <= texts, f"SOAK-{n}"
        for n in created:
            headers = {"X-Forwarded-For": f"203.0.{n % 250}.{n % 200 + 1}"}
            assert http.post("/api/v1/lookup", json={"call_id": call_id(n)}, headers=headers).status_code == 200
