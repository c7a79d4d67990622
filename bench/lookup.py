"""Lookups at real traffic and writes, on the real `status-api serve`, as ratios against a bare Starlette endpoint.

Needs wrk (Debian: `apt-get install wrk`). Each figure is measured in the same run as its baseline.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from bench import traffic
from bench.common import BIN, ROOT, met, print_table, run, write_results

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = 64
# Real traffic's data set, and the large one that shows lookups stay as quick with ten times the tickets.
REAL = int(os.environ.get("BENCH_TICKETS", "100000"))
LARGE = int(os.environ.get("BENCH_LARGE", "1000000"))
SAMPLE = 1_000  # tickets the spread updates go to
TOKEN = "Bq7mX2kW9vZr4LpH8sTn3YcE6uJa1FdG5oKi0Rw"
UNPROTECTED = {"STATUS_API_RATE_LIMIT": "off", "STATUS_API_LOOKUP_FLOOR_MS": "0"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(command: list[str], env: dict[str, str]) -> Iterator[tuple[int, int]]:
    """A server on a free port; yields (port, pid) once it answers."""
    port = free_port()
    process = subprocess.Popen(
        [*command, str(port)],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/healthz" if "status-api" in command[0] else f"http://127.0.0.1:{port}/",
                    timeout=1,
                ).read()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"server did not start: {command}") from None
                time.sleep(0.2)
        yield port, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def lua_post(path: str | list[str], content_type: str, bodies: list[str], headers: dict[str, str] | None = None) -> str:
    """A wrk script posting one of `bodies` to `path` (or to one of several paths), each chosen at random."""
    paths = [path] if isinstance(path, str) else path
    quoted = ",\n".join(json.dumps(body) for body in bodies)
    targets = ",\n".join(json.dumps(target) for target in paths)
    extra = "".join(f'wrk.headers["{name}"] = {json.dumps(value)}\n' for name, value in (headers or {}).items())
    return (
        f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "{content_type}"\n{extra}'
        f"local bodies = {{\n{quoted}\n}}\n"
        f"local paths = {{\n{targets}\n}}\n"
        "math.randomseed(7)\n"
        "request = function()\n"
        "  return wrk.format(nil, paths[math.random(#paths)], nil, bodies[math.random(#bodies)])\nend\n"
    )


_LATENCY = re.compile(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_TOTAL = re.compile(r"^\s+(\d+) requests in ", re.MULTILINE)


def wrk(port: int, script: Path, *, connections: int = CONNECTIONS) -> tuple[float, float]:
    """(requests per second, p99 latency in ms) after a short warm-up, from one wrk thread (see the notes)."""
    rate, p99, _ = wrk_run(port, script, connections=connections)
    return rate, p99


def wrk_run(
    port: int, script: Path, *, connections: int = CONNECTIONS, pid: int | None = None
) -> tuple[float, float, float]:
    """wrk's rate and p99, and the server's CPU time per request in µs (when its `pid` is given, else nan):
    a machine's other load moves throughput far more than the work each request costs the server."""
    command = ["wrk", "-t1", f"-c{connections}", "--latency", "-s", str(script), f"http://127.0.0.1:{port}/"]
    subprocess.run([*command[:4], "-d2s", *command[4:]], check=True, capture_output=True)
    cpu_before = cpu_seconds(pid) if pid is not None else 0.0
    output = subprocess.run(
        [*command[:4], f"-d{SECONDS}s", *command[4:]], check=True, capture_output=True, text=True
    ).stdout
    cpu = cpu_seconds(pid) - cpu_before if pid is not None else float("nan")
    rate, p99, total = parse_wrk(output)
    return rate, p99, cpu / total * 1e6


def parse_wrk(output: str) -> tuple[float, float, int]:
    """wrk's requests per second, p99 latency in ms and count of requests, from its --latency output."""
    rate, latency, total = _RATE.search(output), _LATENCY.search(output), _TOTAL.search(output)
    if rate is None or latency is None or total is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[latency.group(2)]
    return float(rate.group(1)), float(latency.group(1)) * scale, int(total.group(1))


def cpu_seconds(pid: int) -> float:
    # utime and stime, fields 14 and 15 of /proc/PID/stat, in clock ticks (after the command's parenthesised name).
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def import_tickets(count: int, folder: Path, now: datetime) -> tuple[Path, float]:
    """A database of `count` realistic tickets (and the incidents some follow) made by `status-api import`,
    and the import's wall time in seconds (the tickets' JSON Lines only)."""
    source, database = folder / f"tickets-{count}.jsonl", folder / f"status-{count}.sqlite3"
    traffic.write_tickets(source, count, now)
    with source.open("a", encoding="utf-8") as out:  # one ticket grown to thousands of updates
        out.write(json.dumps(_heavy_ticket(now), ensure_ascii=False) + "\n")
    start = time.perf_counter()
    run(str(BIN / "status-api"), "import", str(source), env={"STATUS_API_DB": str(database)})
    seconds = time.perf_counter() - start
    incidents = folder / f"incidents-{count}.json"
    traffic.write_incidents(incidents, count, now)
    run(str(BIN / "status-api"), "import", str(incidents), env={"STATUS_API_DB": str(database)})
    source.unlink()
    return database, seconds


HEAVY = "RGV-HEAVY"
HEAVY_CALL_ID = "77777777777777777777"
HEAVY_UPDATES = 3_000


def _heavy_ticket(now: datetime) -> dict[str, object]:
    opened = now - timedelta(days=30)
    updates = [
        {"at": (opened + timedelta(minutes=10 * n)).isoformat(timespec="seconds"), "text": f"Point {n}."}
        for n in range(HEAVY_UPDATES)
    ]
    return {
        "reference": HEAVY,
        "issue_type": "probleme-technique-complexe",
        "step": "examen-technique",
        "opened_at": opened.isoformat(timespec="seconds"),
        "call_ids": [HEAVY_CALL_ID],
        "updates": updates,
    }


def cache_counts(port: int) -> tuple[int, int]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/stats", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        counts = json.load(answer)["lookup_cache"]
    return int(counts["hits"]), int(counts["misses"])


def measured(port: int, pid: int, script: Path, stats: bool = True) -> tuple[float, float, float, float]:
    """wrk's rate and p99, the answer cache's hit rate over the run (nan for a server without stats), and the
    server's CPU time per request in µs."""
    before = cache_counts(port) if stats else (0, 0)
    rate, p99, cpu = wrk_run(port, script, pid=pid)
    if not stats:
        return rate, p99, float("nan"), cpu
    hits, misses = (after - first for after, first in zip(cache_counts(port), before, strict=True))
    return rate, p99, hits / max(hits + misses, 1), cpu


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: install it with `apt-get install wrk` (Debian), then run `make bench` again.")
    now = traffic.now()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        site = folder / "site"
        run(str(BIN / "kb"), "build", "--site-dir", str(site))
        real_db, real_import = import_tickets(REAL, folder, now)
        large_db, import_seconds = import_tickets(LARGE, folder, now)
        scripts = write_scripts(folder, REAL, LARGE)

        command = [str(BIN / "status-api"), "serve", "--port"]
        # The protections of the public lookup are lifted: one wrk client would meet the rate limit at once,
        # and the timing floor holds each answer 20 ms by design.
        service = {"STATUS_API_SITE_DIR": str(site), "STATUS_API_TOKEN": TOKEN, **UNPROTECTED}
        rounds: list[dict[str, tuple[float, float, float, float]]] = []
        # Every server is started once and the measures alternate, round after round: a slow spell of the
        # machine then lowers one round's ratios, not one side of every ratio.
        with (
            serving([sys.executable, "-m", "bench.baseline_app"], {}) as (base_port, base_pid),
            serving(command, {**service, "STATUS_API_DB": str(real_db)}) as (real_port, real_pid),
            serving(command, {**service, "STATUS_API_DB": str(large_db)}) as (large_port, large_pid),
        ):
            plan = {
                "baseline": (base_port, base_pid, "baseline"),
                "json": (real_port, real_pid, "json"),
                "html": (real_port, real_pid, "html"),
                "zipf": (real_port, real_pid, "zipf"),
                "hot": (real_port, real_pid, "hot"),
                "json-large": (large_port, large_pid, "json-large"),
                "html-large": (large_port, large_pid, "html-large"),
            }
            for _ in range(ROUNDS):
                figures = {}
                for key, (port, pid, name) in plan.items():
                    figures[key] = measured(port, pid, scripts[name], stats=key != "baseline")
                rounds.append(figures)
            memory = rss_mb(large_pid)
            heavy_rate, heavy_p99, _ = wrk_run(real_port, scripts["write-heavy"], connections=1)
            spread_rate, _, _ = wrk_run(real_port, scripts["write"], connections=1)
            heavy_answer = _answer_bytes(real_port, HEAVY_CALL_ID)

    def ratio(top: str, bottom: str, index: int = 0) -> float:
        """The median over the rounds of top / bottom, each pair measured in the same round."""
        return statistics.median(r[top][index] / r[bottom][index] for r in rounds)

    def spread(top: str, bottom: str, index: int = 0) -> str:
        values = sorted(r[top][index] / r[bottom][index] for r in rounds)
        return f"{values[0]:.2f} to {values[-1]:.2f}"

    def median(key: str, index: int) -> float:
        return statistics.median(r[key][index] for r in rounds)

    def lookup_row(label: str, key: str, target: float | None) -> tuple[str, str, str, str]:
        value = (
            f"{ratio(key, 'baseline'):.2f}x (rounds {spread(key, 'baseline')}; {median(key, 0):,.0f} req/s, "
            f"p99 {median(key, 1):.1f} ms; cache hits {median(key, 2):.0%}; server CPU {median(key, 3):.0f} µs "
            f"per request, {ratio('baseline', key, 3):.2f}x the baseline's)"
        )
        if target is None:
            return (label, value, "", "")
        return (label, value, f"≥ {target}x", met(ratio(key, "baseline") >= target))

    def p99_row(label: str, key: str) -> tuple[str, str, str, str]:
        value = f"{ratio(key, 'baseline', 1):.2f}x (rounds {spread(key, 'baseline', 1)})"
        return (label, value, "≤ 2x", met(ratio(key, "baseline", 1) <= 2))

    real, large = f"{REAL:,}", f"{LARGE:,}"
    table = [
        ("measure", "value", "target", "met"),
        (
            "baseline (bare Starlette, constant JSON)",
            f"{median('baseline', 0):,.0f} req/s, p99 {median('baseline', 1):.1f} ms, "
            f"server CPU {median('baseline', 3):.0f} µs per request",
            "",
            "",
        ),
        lookup_row(f"JSON lookup, uniform over every call ID, {real} tickets / baseline", "json", 0.7),
        p99_row("its p99 / baseline p99", "json"),
        lookup_row(f"HTML answer, uniform, {real} tickets / baseline", "html", 0.5),
        p99_row("its p99 / baseline p99", "html"),
        lookup_row(f"JSON lookup, uniform, {large} tickets / baseline", "json-large", 0.7),
        p99_row("its p99 / baseline p99", "json-large"),
        lookup_row(f"HTML answer, uniform, {large} tickets / baseline", "html-large", 0.5),
        p99_row("its p99 / baseline p99", "html-large"),
        lookup_row(f"JSON lookup, Zipf mix (some look again and again), {real} tickets", "zipf", None),
        lookup_row("JSON lookup, hot set of 1,000 IDs (measures the answer cache)", "hot", None),
        (
            f"updates to one ticket that has {HEAVY_UPDATES:,} already, one client",
            f"{heavy_rate:,.0f} updates/s (p99 {heavy_p99:.1f} ms; its answer {heavy_answer / 1024:.1f} KB)",
            "≥ 500/s",
            met(heavy_rate >= 500),
        ),
        ("updates spread over many tickets, one client", f"{spread_rate:,.0f} updates/s", "", ""),
        (f"service memory with {large} tickets", f"{memory:.0f} MB", "≤ 150 MB", met(memory <= 150)),
        (f"import of {large} tickets", f"{import_seconds:.1f} s", "< 60 s", met(import_seconds < 60)),
        (f"import of {real} tickets", f"{real_import:.1f} s", "", ""),
    ]
    print_table(table)
    notes = [
        f"Tickets of a realistic shape (bench/traffic.py): opened over the last {traffic.WEEKS} weeks, 0 to "
        f"{traffic.MAX_UPDATES} public updates, one to three call IDs, every issue type and step, "
        f"{traffic.INCIDENT_SHARE:.0%} linked to ongoing incidents. Uniform: every known call ID and as many "
        "unknown ones, each lookup one at random: every customer a different call ID, as real traffic is. Zipf "
        "(s = 1.1): a few customers look again and again. The hot set fits the answer cache whole: it measures "
        "the cache, not the lookup. The cache's hit rate is read from the service (/api/v1/stats) over each run.",
        f"wrk with one thread and {CONNECTIONS} connections, on loopback, {SECONDS} s after a 2 s warm-up; "
        "one service worker with the real `status-api serve` settings (uvicorn, httptools, access log on); the "
        "baseline is served by the same function (`status_api.server.run`). On two cores, wrk's one thread and "
        "the server have a core each.",
        f"Each ratio is the median of {ROUNDS} rounds; in a round, every server is measured in turn, so that "
        "both sides of a ratio meet the same state of this shared machine. The ranges give the lowest and "
        "highest round. The rate limit and the 20 ms timing floor are lifted for these figures.",
        "Server CPU per request is the server process's user and system time over the run divided by the "
        "requests wrk counted; its ratio (baseline's CPU / the service's) is the throughput the service would "
        "reach against the baseline on a core of its own, a figure the machine's other load moves far less "
        "than throughput.",
    ]
    print(write_results("lookup", "Status service", table, notes))


def _answer_bytes(port: int, call_id: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/lookup",
        data=json.dumps({"call_id": call_id}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return len(answer.read())


def write_scripts(folder: Path, real: int = 0, large: int = 0) -> dict[str, Path]:
    """The wrk scripts of the run: the baseline's request, lookups of real traffic (JSON and HTML, uniform,
    Zipf, the hot set) for each data set, and updates (to one heavy ticket, and spread over many)."""
    real_lists, large_lists = traffic.write_lists(folder, real), traffic.write_lists(folder, large)
    json_body, form_body = '{"call_id": "{id}"}', "call_id={id}"
    lookup, form = ("/api/v1/lookup", "application/json"), ("/suivi", "application/x-www-form-urlencoded")
    scripts = {
        "baseline": lua_post("/", "application/json", ['{"call_id": "12345678901234567890"}']),
        "json": traffic.lua_from_list(real_lists["uniform"], *lookup, json_body, shuffle=True),
        "html": traffic.lua_from_list(real_lists["uniform"], *form, form_body, shuffle=True),
        "zipf": traffic.lua_from_list(real_lists["zipf"], *lookup, json_body, shuffle=False),
        "hot": traffic.lua_from_list(real_lists["hot"], *lookup, json_body, shuffle=True),
        "json-large": traffic.lua_from_list(large_lists["uniform"], *lookup, json_body, shuffle=True),
        "html-large": traffic.lua_from_list(large_lists["uniform"], *form, form_body, shuffle=True),
        "write-heavy": lua_post(
            f"/api/v1/tickets/{HEAVY}/updates",
            "application/json",
            [json.dumps({"text": f"Mise à jour {n}"}) for n in range(100)],
            {"Authorization": f"Bearer {TOKEN}"},
        ),
        # Updates spread over many tickets: what staff and the helpdesk do all day.
        "write": lua_post(
            [f"/api/v1/tickets/{traffic.reference(n * max(real // SAMPLE, 1))}/updates" for n in range(SAMPLE // 2)],
            "application/json",
            [json.dumps({"text": f"Mise à jour {n}"}) for n in range(100)],
            {"Authorization": f"Bearer {TOKEN}"},
        ),
    }
    paths = {}
    for key, text in scripts.items():
        paths[key] = folder / f"{key}.lua"
        paths[key].write_text(text, encoding="utf-8")
    return paths


if __name__ == "__main__":
    main()
