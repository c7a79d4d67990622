"""How long a lookup takes tells nothing: found, unknown and deleted IDs answer after the same time.

Measured as an attacker would, by the time to the first byte of the answer, over many requests of each kind
interleaved in a random order (so that the machine's own ups and downs fall on every kind alike), and compared
by rank and by the size of the gap, not by a timing threshold. The Mann-Whitney statistic gives the probability
that a request of one kind took longer than one of another (0.5: no difference); it shows that the measure sees
a real difference (a found ticket's extra work without the steady timing moves it to about 1.0). Whether a
difference is worth measuring is a matter of size: with a few hundred samples the statistic detects gaps of a
few microseconds that a loaded machine's scheduling creates between kinds, far below what anyone could measure
across a network. So the hidden cases are judged by the gap between the medians of interleaved requests.
"""

from __future__ import annotations

import random
import socket
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kb_build.model import KnowledgeBase
from status_api.app import create_app
from status_api.config import Settings
from status_api.http.middleware.timing import SteadyTiming
from status_api.storage import SQLiteStore
from tests.status_api.helpers import AUTH, CALL_ID, NOW, TOKEN, Server, ticket_body

FLOOR = 0.01
ROUNDS = 120
# With 120 requests of each kind, chance alone moves the statistic by 0.04 (one standard deviation):
# 0.2 is five of them, far beyond what noise does, and far below what a real difference does.
TOLERANCE = 0.2
# A tenth of the 3 ms of work the control adds: what a network's jitter would still let through, at most.
WORTH_MEASURING = 0.0003
UNKNOWN = "20261124120000000999"
GONE = "20261124120000000777"


def slower_than(a: list[float], b: list[float]) -> float:
    """P(a random sample of `a` exceeds one of `b`), ties counting half: Mann-Whitney's U over len(a)·len(b)."""
    pooled = sorted([(x, True) for x in a] + [(x, False) for x in b])
    rank_sum = 0.0
    start = 0
    while start < len(pooled):
        end = start
        while end < len(pooled) and pooled[end][0] == pooled[start][0]:
            end += 1
        average_rank = (start + end + 1) / 2
        rank_sum += average_rank * sum(1 for _, in_a in pooled[start:end] if in_a)
        start = end
    return (rank_sum - len(a) * (len(a) + 1) / 2) / (len(a) * len(b))


def test_the_statistic() -> None:
    assert slower_than([3, 4], [1, 2]) == 1.0
    assert slower_than([1, 2], [3, 4]) == 0.0
    assert slower_than([1, 2, 3], [1, 2, 3]) == 0.5


class FirstByte:
    """Records when each answer's first byte leaves the app, counted from when its request came in."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.last = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()

        async def timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.last = time.perf_counter() - start
            await send(message)

        await self.app(scope, receive, timed)


class SlowerWhenFound:
    """Takes 3 ms more of work when it finds a ticket: a difference the test must be able to see."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def slower(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                time.sleep(0.003)  # work that holds the event loop, as rendering does
            await send(message)

        await self.app(scope, receive, slower)


def measure(
    kb: KnowledgeBase,
    store: SQLiteStore,
    floor: float,
    kinds: dict[str, str],
    extra_work: Callable[[ASGIApp], ASGIApp] | None = None,
) -> dict[str, list[float]]:
    def service(floor: float) -> ASGIApp:
        return create_app(Settings(token=TOKEN, limits=None, lookup_floor=floor), kb, store, clock=lambda: NOW)

    if extra_work is None:
        app = FirstByte(service(floor))
    else:
        # The known difference goes inside the steady timing, as the app's own work does.
        inner = extra_work(service(0))
        app = FirstByte(SteadyTiming(inner, floor=floor) if floor else inner)
    with TestClient(app) as client:
        # A ticket heavier than most, so that a found ticket costs visibly more than a miss.
        assert client.put("/api/v1/tickets/RGV-1", json=ticket_body(kb), headers=AUTH).status_code in (200, 201)
        for n in range(20):
            text = f"Mise à jour {n} : nous avons reproduit le problème et poursuivons l'analyse."
            client.post("/api/v1/tickets/RGV-1/updates", json={"text": text}, headers=AUTH)
        gone = ticket_body(kb, call_ids=[GONE])
        assert client.put("/api/v1/tickets/RGV-2", json=gone, headers=AUTH).status_code in (200, 201)
        assert client.delete("/api/v1/tickets/RGV-2", headers=AUTH).status_code == 204

        order = [kind for kind in kinds for _ in range(ROUNDS)]
        random.Random(20261124).shuffle(order)
        for kind in list(kinds) * 5:  # warm up every path first
            client.post("/api/v1/lookup", json={"call_id": kinds[kind]})
        times: dict[str, list[float]] = {kind: [] for kind in kinds}
        for kind in order:
            response = client.post("/api/v1/lookup", json={"call_id": kinds[kind]})
            assert response.status_code == (200 if kind == "found" else 404)
            times[kind].append(app.last)
    return times


def gap(a: list[float], b: list[float]) -> float:
    return abs(statistics.median(a) - statistics.median(b))


def describe(times: dict[str, list[float]]) -> str:
    return ", ".join(f"{kind}: median {statistics.median(t) * 1000:.3f} ms" for kind, t in times.items())


def test_found_unknown_and_deleted_ids_answer_after_the_same_time(kb: KnowledgeBase, tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "status.sqlite3")
    try:
        times = measure(kb, store, FLOOR, {"found": CALL_ID, "unknown": UNKNOWN, "gone": GONE})
    finally:
        store.close()
    for a, b in (("found", "unknown"), ("found", "gone"), ("gone", "unknown")):
        p = slower_than(times[a], times[b])
        print(f"P({a} slower than {b}) = {p:.3f}; {describe(times)}")
        assert gap(times[a], times[b]) < WORTH_MEASURING, f"{a} vs {b}: {p:.3f}; {describe(times)}"


@pytest.mark.parametrize(("floor", "visible"), [(0.0, True), (FLOOR, False)])
def test_the_measure_sees_a_difference_that_the_steady_timing_hides(
    kb: KnowledgeBase, tmp_path: Path, floor: float, visible: bool
) -> None:
    store = SQLiteStore(tmp_path / "status.sqlite3")
    try:
        times = measure(kb, store, floor, {"found": CALL_ID, "unknown": UNKNOWN}, SlowerWhenFound)
    finally:
        store.close()
    p = slower_than(times["found"], times["unknown"])
    print(f"floor {floor * 1000:.0f} ms: P(found slower than unknown) = {p:.3f}; {describe(times)}")
    if visible:
        assert p > 0.5 + 1.5 * TOLERANCE, f"{p:.3f}; {describe(times)}"
        assert gap(times["found"], times["unknown"]) > 0.002, describe(times)
    else:
        assert gap(times["found"], times["unknown"]) < WORTH_MEASURING, f"{p:.3f}; {describe(times)}"


def test_the_floor_counts_from_the_end_of_the_body(start_server: Callable[..., Server]) -> None:
    # A client that sends its body late used to spend the floor waiting, and see the work behind it.
    server = start_server(STATUS_API_LOOKUP_FLOOR_MS="100")
    host, port = server.url.removeprefix("http://").split(":")
    body = b'{"call_id": "%s"}' % UNKNOWN.encode()
    head = b"POST /api/v1/lookup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    head += b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
    after_body = []
    for _ in range(5):
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(head)
            time.sleep(0.06)
            sock.sendall(body)
            sent = time.perf_counter()
            first = sock.recv(1)
            after_body.append(time.perf_counter() - sent)
            assert first == b"H"
    # The whole floor after the body, every time (a little timer slack below is allowed).
    assert min(after_body) > 0.095, after_body
