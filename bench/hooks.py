"""Zendesk deliveries through the real `status-api serve`: bursts of 50 concurrent signed deliveries, each
to its own ticket, against the bare Starlette baseline served alike and called by the same client.

No wrk here: every delivery is signed (HMAC of its timestamp and body), so the requests are made and signed
beforehand and sent by one asyncio client, a burst of 50 at once on 50 kept-alive connections, one burst after
the other. The client's own cost is in both figures: the ratio is what the service adds.

The service answers once a delivery is in its inbox; an applier task applies it meanwhile. So that a quick
answer cannot hide a backlog, the run ends by waiting until the lookup of every ticket shows the last burst's
comment: "all applied" is how long after the last answer that took.

    python -m bench.hooks             # SQLite, then PostgreSQL (a throwaway durable cluster) when installed
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import BIN, met, print_table, write_results
from bench.lookup import cpu_seconds, serving
from tests.postgres import installed, start_cluster

SECRET = "bench-zendesk-signing-secret-0123456789"
BURST = 50
BURSTS = int(os.environ.get("BENCH_BURSTS", "20"))


def _signed(body: bytes) -> dict[str, str]:
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    signature = base64.b64encode(hmac.new(SECRET.encode(), stamp.encode() + body, hashlib.sha256).digest()).decode()
    return {
        "Content-Type": "application/json",
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        "X-Zendesk-Webhook-Signature": signature,
    }


def _deliveries(round_: int) -> list[tuple[bytes, dict[str, str]]]:
    """A burst: one delivery for each of BURST tickets; the first burst creates them, the next ones move them."""
    at = datetime.now(UTC) - timedelta(minutes=2) + timedelta(seconds=round_)
    made = []
    for index in range(BURST):
        ticket = {
            "id": str(100_000 + index),
            "status": ("open", "pending", "hold")[round_ % 3],
            "group": "Support",
            "group_id": "",
            "tags": "",
            "created_at": (at - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%MZ"),
            "updated_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "call_ids": [f"{20261201000000000000 + index}"],
            "issue_type": "",
            "public_comment": f"Point d'étape numéro {round_}.",
        }
        body = json.dumps({"source": "zendesk-trigger", "ticket": ticket}).encode()
        headers = {**_signed(body), "X-Zendesk-Webhook-Invocation-Id": f"bench-{round_}-{index}"}
        made.append((body, headers))
    return made


def _request(port: int, path: str, delivery: tuple[bytes, dict[str, str]]) -> bytes:
    """The whole HTTP/1.1 request, made before the clock starts."""
    body, headers = delivery
    head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Content-Length: {len(body)}"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> tuple[float, int]:
    """Send one request on a kept-alive connection; (seconds until the whole answer was read, status)."""
    start = time.perf_counter()
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:"))
    await reader.readexactly(length)
    return time.perf_counter() - start, int(lines[0].split()[1])


def _applied(port: int) -> float:
    """Seconds until the lookup of every ticket shows the last burst's comment (at most 60), asking of one
    ticket at a time, so that the polling costs the server little."""
    started = time.perf_counter()
    pending = list(range(BURST))
    while pending and time.perf_counter() - started < 60:
        body = json.dumps({"call_id": f"{20261201000000000000 + pending[0]}"}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/lookup", body, {"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                text = answer.read().decode()
        except urllib.error.HTTPError:
            text = ""
        if f"Point d'étape numéro {BURSTS - 1}." in text:
            pending.pop(0)
        else:
            time.sleep(0.02)
    return time.perf_counter() - started


async def _bursts_async(port: int, path: str) -> tuple[float, list[float], int]:
    connections = [await asyncio.open_connection("127.0.0.1", port) for _ in range(BURST)]
    latencies: list[float] = []
    failures = 0
    busy = 0.0
    try:
        for round_ in range(BURSTS):
            requests = [_request(port, path, delivery) for delivery in _deliveries(round_)]
            started = time.perf_counter()
            answers = await asyncio.gather(
                *(
                    _exchange(reader, writer, request)
                    for (reader, writer), request in zip(connections, requests, strict=True)
                )
            )
            busy += time.perf_counter() - started
            latencies += [seconds for seconds, _ in answers]
            failures += sum(not 200 <= status < 300 for _, status in answers)
    finally:
        for _, writer in connections:
            writer.close()
    return len(latencies) / busy, latencies, failures


def _bursts(port: int, path: str, pid: int) -> tuple[float, float, int, float]:
    """(deliveries per second, p99 latency in ms, answers other than 200, server CPU µs per delivery).

    One asyncio client on 50 kept-alive connections sends each burst's 50 requests at once, made and signed
    beforehand, and waits for all 50 answers before the next burst: the latency of the last answer of a
    burst is what Zendesk's 50th concurrent delivery sees. The client costs far less than the server (no
    HTTP library, no threads), so the baseline's figures are the floor of this machine.
    """
    cpu_before = cpu_seconds(pid)
    rate, latencies, failures = asyncio.run(_bursts_async(port, path))
    cpu = cpu_seconds(pid) - cpu_before
    p99 = statistics.quantiles(latencies, n=100)[98] * 1000
    return rate, p99, failures, cpu / len(latencies) * 1e6


def _service(database: str) -> tuple[float, float, int, float, float]:
    """The bursts against `status-api serve` on this database, and how long until all was applied."""
    env = {
        "STATUS_API_DB": database,
        "STATUS_API_ZENDESK_SECRET": SECRET,
        "STATUS_API_RATE_LIMIT": "off",
        "STATUS_API_LOOKUP_FLOOR_MS": "0",  # the polling lookups at once, not 20 ms each
    }
    with serving([str(BIN / "status-api"), "serve", "--port"], env) as (port, pid):
        cpu_before = cpu_seconds(pid)
        rate, p99, failures, _ = _bursts(port, "/api/v1/hooks/zendesk", pid)
        applied = _applied(port)
        cpu = (cpu_seconds(pid) - cpu_before) / (BURST * BURSTS) * 1e6
        return rate, p99, failures, cpu, applied


def _rows(
    name: str, figures: tuple[float, float, int, float, float], base: tuple[float, float, float]
) -> list[tuple[str, str, str, str]]:
    rate, p99, failures, cpu, applied = figures
    base_rate, base_p99, base_cpu = base
    return [
        (f"{name}: deliveries/s, service / baseline", f"{rate / base_rate:.2f}x ({rate:,.0f} vs {base_rate:,.0f}/s)",
         "", ""),
        (f"{name}: p99 of a delivery, service", f"{p99:.1f} ms (baseline {base_p99:.1f} ms)", "≤ 100 ms",
         met(p99 <= 100)),
        (f"{name}: server CPU per delivery (answer and apply)", f"{cpu:,.0f} µs (baseline {base_cpu:,.0f} µs)", "",
         ""),
        (f"{name}: all applied, after the last answer", f"{applied:.2f} s", "", ""),
        (f"{name}: answers other than 2xx", str(failures), "0", met(failures == 0)),
    ]  # fmt: skip


def main() -> None:
    with serving([sys.executable, "-m", "bench.baseline_app"], {}) as (base_port, base_pid):
        base_rate, base_p99, _, base_cpu = _bursts(base_port, "/", base_pid)
    base = (base_rate, base_p99, base_cpu)
    table: list[tuple[str, ...]] = [("measure", "value", "target", "met")]
    with tempfile.TemporaryDirectory() as folder:
        table += _rows("SQLite", _service(str(Path(folder) / "hooks.sqlite3")), base)
    if installed():
        with contextlib.contextmanager(start_cluster)(durable=True) as cluster:
            table += _rows("PostgreSQL", _service(cluster.new_database()), base)
    print_table(table)
    notes = [
        f"{BURSTS} bursts of {BURST} concurrent deliveries (one per ticket; the first burst creates the tickets, "
        "each later one moves them and adds a public comment), from one asyncio client on 50 kept-alive "
        "connections, each burst sent at once; the baseline is bench/baseline_app.py called by the same "
        'client. The server\'s CPU is counted until the last answer; "all applied" is measured after it by '
        "polling every ticket's lookup. PostgreSQL: a throwaway durable cluster (fsync on) on this machine. "
        "One run: the machine is shared and noisy.",
    ]
    print(write_results("hooks", "Zendesk deliveries", table, notes))


if __name__ == "__main__":
    main()
