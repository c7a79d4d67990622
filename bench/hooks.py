"""Zendesk deliveries through the real `status-api serve`: bursts of 50 concurrent signed deliveries, each
to its own ticket, against the bare Starlette baseline served alike and called by the same client.

No wrk here: every delivery is signed (HMAC of its timestamp and body), so the bodies are made and signed
beforehand and sent from a pool of 50 threads, one burst after the other. The client's own cost is in both
figures: the ratio is what the service adds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2

from bench.common import BIN, met, print_table, write_results
from bench.lookup import serving

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


def _bursts(url: str) -> tuple[float, float, int]:
    """(deliveries per second, p99 latency in ms, answers other than 200) over BURSTS bursts."""
    latencies: list[float] = []
    failures = 0
    with httpx2.Client(limits=httpx2.Limits(max_connections=BURST), timeout=15) as client:

        def send(delivery: tuple[bytes, dict[str, str]]) -> tuple[float, int]:
            start = time.perf_counter()
            status = client.post(url, content=delivery[0], headers=delivery[1]).status_code
            return time.perf_counter() - start, status

        with ThreadPoolExecutor(BURST) as pool:
            started = time.perf_counter()
            for round_ in range(BURSTS):
                for seconds, status in pool.map(send, _deliveries(round_)):
                    latencies.append(seconds)
                    failures += status != 200
            elapsed = time.perf_counter() - started
    p99 = statistics.quantiles(latencies, n=100)[98] * 1000
    return len(latencies) / elapsed, p99, failures


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        env = {
            "STATUS_API_DB": str(Path(folder) / "hooks.sqlite3"),
            "STATUS_API_ZENDESK_SECRET": SECRET,
            "STATUS_API_RATE_LIMIT": "off",
        }
        with (
            serving([str(BIN / "status-api"), "serve", "--port"], env) as (port, _),
            serving([sys.executable, "-m", "bench.baseline_app"], {}) as (base_port, _),
        ):
            base_rate, base_p99, _ = _bursts(f"http://127.0.0.1:{base_port}/")
            rate, p99, failures = _bursts(f"http://127.0.0.1:{port}/api/v1/hooks/zendesk")
    table = [
        ("measure", "value", "target", "met"),
        ("deliveries/s, service / baseline", f"{rate / base_rate:.2f}x ({rate:,.0f} vs {base_rate:,.0f}/s)", "", ""),
        ("p99 of a delivery, service", f"{p99:.1f} ms (baseline {base_p99:.1f} ms)", "≤ 100 ms", met(p99 <= 100)),
        ("answers other than 200", str(failures), "0", met(failures == 0)),
    ]
    print_table(table)
    notes = [
        f"{BURSTS} bursts of {BURST} concurrent deliveries (one per ticket; the first burst creates the tickets, "
        "each later one moves them and adds a public comment), from one Python client of 50 threads; the "
        "baseline is bench/baseline_app.py called by the same client. One run: the machine is shared and noisy.",
    ]
    print(write_results("hooks", "Zendesk deliveries", table, notes))


if __name__ == "__main__":
    main()
