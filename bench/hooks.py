"""Zendesk deliveries through the real `status-api serve`: bursts of 50 concurrent signed deliveries, each
to its own ticket, against the bare Starlette baseline served alike and called by the same client.

No wrk here: every delivery is signed (HMAC of its timestamp and body), so the requests are made and signed
beforehand and sent by one asyncio client, a burst of 50 at once on 50 kept-alive connections, one burst after
the other. The client's own cost is in both figures: the ratio is what the service adds.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import BIN, met, print_table, write_results
from bench.lookup import cpu_seconds, serving

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
            failures += sum(status != 200 for _, status in answers)
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


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        env = {
            "STATUS_API_DB": str(Path(folder) / "hooks.sqlite3"),
            "STATUS_API_ZENDESK_SECRET": SECRET,
            "STATUS_API_RATE_LIMIT": "off",
        }
        with (
            serving([str(BIN / "status-api"), "serve", "--port"], env) as (port, pid),
            serving([sys.executable, "-m", "bench.baseline_app"], {}) as (base_port, base_pid),
        ):
            base_rate, base_p99, _, base_cpu = _bursts(base_port, "/", base_pid)
            rate, p99, failures, cpu = _bursts(port, "/api/v1/hooks/zendesk", pid)
    table = [
        ("measure", "value", "target", "met"),
        ("deliveries/s, service / baseline", f"{rate / base_rate:.2f}x ({rate:,.0f} vs {base_rate:,.0f}/s)", "", ""),
        ("p99 of a delivery, service", f"{p99:.1f} ms (baseline {base_p99:.1f} ms)", "≤ 100 ms", met(p99 <= 100)),
        ("server CPU per delivery", f"{cpu:,.0f} µs (baseline {base_cpu:,.0f} µs)", "", ""),
        ("answers other than 200", str(failures), "0", met(failures == 0)),
    ]
    print_table(table)
    notes = [
        f"{BURSTS} bursts of {BURST} concurrent deliveries (one per ticket; the first burst creates the tickets, "
        "each later one moves them and adds a public comment), from one asyncio client on 50 kept-alive "
        "connections, each burst sent at once; the baseline is bench/baseline_app.py called by the same "
        "client. One run: the machine is shared and noisy.",
    ]
    print(write_results("hooks", "Zendesk deliveries", table, notes))


if __name__ == "__main__":
    main()
