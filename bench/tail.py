"""Where the lookup's latency tail comes from, under real traffic, before and after: the collector's pauses (found
first and removed), then the event loop's order of work (uvloop's against asyncio's).

    python -m bench.tail [REV]    # REV: an earlier commit, served beside the working tree (as bench.compare does)

Each side serves BENCH_TICKETS (100,000) realistic tickets through bench/gcprobe.py, which times every pass of
the collector inside the real server. Under uniform JSON and HTML lookups (wrk, one thread, 64 connections),
it reports wrk's p99, how often each generation ran and how long it held the event loop (every request in
flight waits), the longest the process was held at all (a turn of the loop, a pass, the machine), and how many
objects the collector tracks once the answer cache is full. A p99 far above the longest hold is no pause: it is
requests served out of turn.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from bench import traffic
from bench.common import ROOT, print_table, write_results
from bench.compare import python_in
from bench.lookup import ROUNDS, TOKEN, UNPROTECTED, cache_counts, serving, write_scripts, wrk_run

COUNT = int(os.environ.get("BENCH_TICKETS", "100000"))
PROBE = Path(__file__).resolve().parent / "gcprobe.py"


def _probed(port: int, pid: int, script: Path, out: Path) -> dict[str, float]:
    """One measured run: wrk's figures, the answer cache's hit rate and the collector's pauses over it."""
    wrk_run(port, script)  # fills the answer cache, so that the measured run meets a steady heap
    hits, misses = cache_counts(port)
    os.kill(pid, signal.SIGUSR1)
    rate, p99, cpu = wrk_run(port, script, pid=pid)
    os.kill(pid, signal.SIGUSR2)
    later_hits, later_misses = cache_counts(port)
    for _ in range(100):
        if out.exists() and out.stat().st_size:
            break
        time.sleep(0.05)
    probe = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    full = probe["pauses"]["2"]
    young = probe["pauses"]["0"] + probe["pauses"]["1"]
    found = later_hits - hits
    return {
        "rate": rate,
        "p99": p99,
        "cpu": cpu,
        "hits": found / max(found + later_misses - misses, 1),
        "full": len(full),
        "full_max": max(full, default=0.0),
        "full_total": sum(full),
        "young_total": sum(young),
        "longest_wait": probe["longest_wait"],
        "tracked": probe["tracked"],
    }


def main() -> None:
    if len(sys.argv) > 2:
        sys.exit(__doc__)
    revision = sys.argv[1] if len(sys.argv) == 2 else None
    with tempfile.TemporaryDirectory() as name, ExitStack() as stack:
        folder = Path(name)
        trees = {"now": ROOT}
        if revision is not None:
            earlier = folder / "earlier"
            subprocess.run(["git", "worktree", "add", "--detach", str(earlier), revision], cwd=ROOT, check=True)
            stack.callback(subprocess.run, ["git", "worktree", "remove", "--force", str(earlier)], cwd=ROOT)
            trees = {revision: earlier, **trees}
        source = folder / "tickets.jsonl"
        traffic.write_tickets(source, COUNT, traffic.now())
        scripts = write_scripts(folder, COUNT, COUNT)
        servers = {}
        for side, tree in trees.items():
            site, database, out = folder / f"site-{side}", folder / f"{side}.sqlite3", folder / f"gc-{side}.json"
            python_in(tree, "-m", "kb_build.cli", "build", "--site-dir", str(site))
            python_in(tree, "-m", "status_api.cli", "import", str(source), env={"STATUS_API_DB": str(database)})
            env = {
                "PYTHONPATH": str(tree),
                # Each tree reads its own data: an earlier model refuses fields added to data/ since.
                "KB_DATA_DIR": str(tree / "data"),
                "STATUS_API_DB": str(database),
                "STATUS_API_SITE_DIR": str(site),
                "STATUS_API_TOKEN": TOKEN,
                "GC_PROBE_OUT": str(out),
                **UNPROTECTED,
            }
            servers[side] = (stack.enter_context(serving([sys.executable, str(PROBE), "serve", "--port"], env)), out)
        rounds: list[dict[tuple[str, str], dict[str, float]]] = []
        for _ in range(ROUNDS):
            rounds.append(
                {
                    (side, kind): _probed(port, pid, scripts[kind], out)
                    for side, ((port, pid), out) in servers.items()
                    for kind in ("json", "html")
                }
            )

    def median(key: tuple[str, str], figure: str) -> float:
        return statistics.median(r[key][figure] for r in rounds)

    table = [
        (
            "tree, lookups",
            "req/s",
            "p99",
            "cache hits",
            "server CPU per request",
            "full passes",
            "longest full pass",
            "time in full passes",
            "time in young passes",
            "longest hold of the process",
            "objects tracked",
        )
    ]
    for key in rounds[0]:
        table.append(
            (
                f"{key[0]}, uniform {key[1].upper()}",
                f"{median(key, 'rate'):,.0f}",
                f"{median(key, 'p99'):.1f} ms",
                f"{median(key, 'hits'):.0%}",
                f"{median(key, 'cpu'):.0f} µs",
                f"{median(key, 'full'):.0f}",
                f"{median(key, 'full_max'):.1f} ms",
                f"{median(key, 'full_total'):.0f} ms",
                f"{median(key, 'young_total'):.0f} ms",
                f"{median(key, 'longest_wait'):.1f} ms",
                f"{median(key, 'tracked'):,.0f}",
            )
        )
    print_table(table)
    notes = [
        f"{COUNT:,} tickets of a realistic shape (bench/traffic.py), lookups uniform over every call ID and as "
        "many unknown ones, wrk with one thread and 64 connections; each run follows one that fills the answer "
        f"cache. Medians of {ROUNDS} rounds. The collector's passes are timed inside the real server "
        "(bench/gcprobe.py); a pass holds the event loop, so every request in flight waits for it. The longest "
        "hold is the longest a thread of the server that wakes every millisecond had to wait.",
        "Found so far: full passes of the collector over the answer cache's views (removed: the cache keeps "
        "bytes, start-up's objects are frozen), then uvloop, which holds a response's write for a later turn of "
        "the loop while a saturated loop takes new requests first (MagicStack/uvloop#631): requests waited "
        "hundreds of ms while no hold passed 30 ms. asyncio's own loop removes that tail: the service runs on it "
        "since 5588f58 (status_api.server.ServingLoop, whose accept also survives the process running out of "
        "files, which asyncio's own did not).",
    ]
    print(write_results("tail", "The lookup's latency tail", table, notes))


if __name__ == "__main__":
    main()
