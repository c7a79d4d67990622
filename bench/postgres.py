"""The service on PostgreSQL, against SQLite and the bare endpoint, one instance and two, and the COPY import.

    python -m bench.postgres          # make bench runs it when PostgreSQL is installed
    python -m bench.postgres import   # the import alone (BENCH_TICKETS=1000000 for the target's own size)

A throwaway cluster (tests/postgres.py: Debian's initdb and pg_ctl on a free port) holds BENCH_TICKETS
(100,000) realistic tickets imported by `status-api import` (COPY), and a SQLite file the same tickets. The
lookups are uniform over every call ID and as many unknown ones (bench/traffic.py), as in bench/lookup.py.
"Two instances" are two `status-api serve` on the same database, each loaded by its own wrk with half the
connections, at the same time: on this machine's two cores they share the CPU with each other and with wrk,
so the figure says what a second instance costs or gains here, not on two machines.

The cluster is durable (fsync on, tests/postgres.py DURABLE_SETTINGS: shared_buffers and max_wal_size as a
production server should have them for bulk imports), unlike the tests' (fsync off).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import traffic
from bench.common import BIN, met, print_table, run, write_results
from bench.lookup import (
    CONNECTIONS,
    ROUNDS,
    SECONDS,
    TOKEN,
    UNPROTECTED,
    cache_counts,
    cpu_seconds,
    parse_wrk,
    serving,
    write_scripts,
    wrk_run,
)
from tests.postgres import installed, start_cluster

COUNT = int(os.environ.get("BENCH_TICKETS", "100000"))


def _import(source: Path, database: str) -> float:
    start = time.perf_counter()
    run(str(BIN / "status-api"), "import", str(source), env={"STATUS_API_DB": database})
    return time.perf_counter() - start


def _import_row(source: Path, url: str, folder: Path) -> tuple[str, str, str, str]:
    """The import of the same file into SQLite and into PostgreSQL (COPY), one after the other."""
    sqlite_import = _import(source, str(folder / "status.sqlite3"))
    postgres_import = _import(source, url)
    million = postgres_import * 1_000_000 / COUNT
    return (
        f"import of {COUNT:,} tickets into PostgreSQL (COPY), durable cluster",
        f"{postgres_import:.1f} s ({COUNT / postgres_import:,.0f} tickets/s, {million:.0f} s for a million at this "
        f"rate; SQLite {sqlite_import:.1f} s, {sqlite_import / postgres_import:.2f}x as long)",
        "1,000,000 in < 60 s",
        met(million < 60),
    )


IMPORT_NOTE = (
    "The import target is judged by scaling this run's rate to a million tickets. Both imports read the same "
    "file with the same worker processes (one a core); the PostgreSQL cluster runs on the same two cores."
)


def import_only() -> None:
    """The import alone: SQLite, then PostgreSQL, of BENCH_TICKETS tickets; results in postgres-import.md."""
    if not installed():
        sys.exit("PostgreSQL is missing: install it with `apt-get install postgresql` (Debian), then run again.")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        clusters = start_cluster(durable=True)
        cluster = next(clusters)
        try:
            source = folder / "tickets.jsonl"
            traffic.write_tickets(source, COUNT, traffic.now())
            row = _import_row(source, cluster.new_database(), folder)
        finally:
            next(clusters, None)
    table = [("measure", "value", "target", "met"), row]
    print_table(table)
    print(write_results("postgres-import", "Bulk import on PostgreSQL", table, [IMPORT_NOTE]))


def _together(servers: list[tuple[int, int]], script: Path) -> tuple[float, float, float, float]:
    """Every server loaded at once, each by its own wrk with its share of the connections: the summed rate,
    the worst p99, the CPU per request of all servers together (µs), and the answer cache's hit rate."""
    share = CONNECTIONS // len(servers)
    command = ["wrk", "-t1", f"-c{share}", "--latency", "-s", str(script)]
    warm = [
        subprocess.Popen([*command, "-d2s", f"http://127.0.0.1:{port}/"], stdout=subprocess.DEVNULL)
        for port, _ in servers
    ]
    for process in warm:
        process.wait()
    counts = [cache_counts(port) for port, _ in servers]
    cpu = [cpu_seconds(pid) for _, pid in servers]
    loads = [
        subprocess.Popen([*command, f"-d{SECONDS}s", f"http://127.0.0.1:{port}/"], stdout=subprocess.PIPE, text=True)
        for port, _ in servers
    ]
    outputs = [process.communicate()[0] for process in loads]
    spent = sum(cpu_seconds(pid) - before for (_, pid), before in zip(servers, cpu, strict=True))
    parsed = [parse_wrk(output) for output in outputs]
    hits = misses = 0
    for (port, _), (first_hits, first_misses) in zip(servers, counts, strict=True):
        now_hits, now_misses = cache_counts(port)
        hits, misses = hits + now_hits - first_hits, misses + now_misses - first_misses
    total = sum(count for _, _, count in parsed)
    return (
        sum(rate for rate, _, _ in parsed),
        max(p99 for _, p99, _ in parsed),
        spent / total * 1e6,
        hits / max(hits + misses, 1),
    )


def _alone(port: int, pid: int, script: Path, stats: bool = True) -> tuple[float, float, float, float]:
    before = cache_counts(port) if stats else (0, 0)
    rate, p99, cpu = wrk_run(port, script, pid=pid)
    if not stats:
        return rate, p99, cpu, float("nan")
    hits, misses = (after - first for after, first in zip(cache_counts(port), before, strict=True))
    return rate, p99, cpu, hits / max(hits + misses, 1)


def main() -> None:
    if not installed():
        sys.exit("PostgreSQL is missing: install it with `apt-get install postgresql` (Debian), then run again.")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        clusters = start_cluster(durable=True)
        cluster = next(clusters)
        try:
            url = cluster.new_database()
            source = folder / "tickets.jsonl"
            traffic.write_tickets(source, COUNT, traffic.now())
            sqlite = str(folder / "status.sqlite3")
            imported = _import_row(source, url, folder)
            site = folder / "site"
            run(str(BIN / "kb"), "build", "--site-dir", str(site))
            scripts = write_scripts(folder, COUNT, COUNT)
            service = {"STATUS_API_SITE_DIR": str(site), "STATUS_API_TOKEN": TOKEN, **UNPROTECTED}
            command = [str(BIN / "status-api"), "serve", "--port"]
            rounds: list[dict[str, tuple[float, float, float, float]]] = []
            with (
                serving([sys.executable, "-m", "bench.baseline_app"], {}) as (base_port, base_pid),
                serving(command, {**service, "STATUS_API_DB": sqlite}) as sqlite_server,
                serving(command, {**service, "STATUS_API_DB": url}) as first,
                serving(command, {**service, "STATUS_API_DB": url}) as second,
            ):
                for _ in range(ROUNDS):
                    rounds.append(
                        {
                            "baseline": _alone(base_port, base_pid, scripts["baseline"], stats=False),
                            "sqlite": _alone(*sqlite_server, scripts["json"]),
                            "postgres": _alone(*first, scripts["json"]),
                            "two": _together([first, second], scripts["json"]),
                        }
                    )
        finally:
            next(clusters, None)

    def ratio(top: str, bottom: str, index: int = 0) -> tuple[float, str]:
        values = sorted(r[top][index] / r[bottom][index] for r in rounds)
        return statistics.median(values), f"{values[0]:.2f} to {values[-1]:.2f}"

    def median(key: str, index: int) -> float:
        return statistics.median(r[key][index] for r in rounds)

    def row(label: str, top: str, bottom: str) -> tuple[str, str, str, str]:
        value, spread = ratio(top, bottom)
        cpu, _ = ratio(bottom, top, 2)
        return (
            label,
            f"{value:.2f}x (rounds {spread}; {median(top, 0):,.0f} req/s, p99 {median(top, 1):.1f} ms; cache hits "
            f"{median(top, 3):.0%}; server CPU {median(top, 2):.0f} µs per request, {cpu:.2f}x the other's)",
            "",
            "",
        )

    real = f"{COUNT:,}"
    table = [
        ("measure", "value", "target", "met"),
        (
            "baseline (bare Starlette, constant JSON)",
            f"{median('baseline', 0):,.0f} req/s, p99 {median('baseline', 1):.1f} ms, server CPU "
            f"{median('baseline', 2):.0f} µs per request",
            "",
            "",
        ),
        row(f"JSON lookup on SQLite, uniform, {real} tickets / baseline", "sqlite", "baseline"),
        row(f"JSON lookup on PostgreSQL, uniform, {real} tickets / baseline", "postgres", "baseline"),
        row("PostgreSQL / SQLite, one instance each", "postgres", "sqlite"),
        row("two instances on PostgreSQL / one (same machine, same connections in all)", "two", "postgres"),
        imported,
    ]
    print_table(table)
    notes = [
        f"Tickets of a realistic shape (bench/traffic.py); lookups uniform over every call ID and as many unknown "
        f"ones; wrk with one thread and {CONNECTIONS} connections ({CONNECTIONS // 2} to each of two instances), "
        f"{SECONDS} s after a 2 s warm-up. Medians of {ROUNDS} rounds, every server measured in turn in a round. "
        "The PostgreSQL cluster runs on the same two cores, durable (fsync on; shared_buffers=1GB, "
        "max_wal_size=8GB): it takes its share of the CPU from the service's throughput, while server CPU per "
        "request counts the service's processes only. " + IMPORT_NOTE,
    ]
    print(write_results("postgres", "The service on PostgreSQL", table, notes))


if __name__ == "__main__":
    import_only() if sys.argv[1:] == ["import"] else main()
