"""An earlier commit and the working tree, side by side under the same load: did a change cost anything?

    python -m bench.compare REV [AFTER]    # e.g. python -m bench.compare HEAD~3; AFTER: the working tree

REV (and AFTER, when given) is checked out into a temporary git worktree and run from there (PYTHONPATH),
with this virtualenv: both
sides build their own site, import the same tickets with their own `status-api import`, and are served the
same way. The measures alternate round after round, so that both sides of each ratio meet the same state of
this shared machine. Knobs: BENCH_ROUNDS, BENCH_SECONDS, BENCH_TICKETS (as for bench.lookup).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench import traffic
from bench.common import ROOT, print_table
from bench.lookup import ROUNDS, TOKEN, UNPROTECTED, serving, write_scripts, wrk_run

COUNT = int(os.environ.get("BENCH_TICKETS", "100000"))


def python_in(tree: Path, *args: str, env: dict[str, str] | None = None) -> None:
    """Python run from `tree` (its own code first on the path), with this virtualenv's packages."""
    subprocess.run(
        [sys.executable, *args],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree), "NO_MKDOCS_2_WARNING": "1", **(env or {})},
        check=True,
        capture_output=True,
    )


def main() -> None:
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    revision, later = sys.argv[1], (sys.argv[2] if len(sys.argv) == 3 else None)
    with tempfile.TemporaryDirectory() as name, ExitStack() as stack:
        folder = Path(name)

        def checkout(rev: str, where: Path) -> Path:
            subprocess.run(["git", "worktree", "add", "--detach", str(where), rev], cwd=ROOT, check=True)
            stack.callback(subprocess.run, ["git", "worktree", "remove", "--force", str(where)], cwd=ROOT)
            return where

        earlier = checkout(revision, folder / "earlier")
        current = checkout(later, folder / "later") if later is not None else ROOT
        source = folder / "tickets.jsonl"
        traffic.write_tickets(source, COUNT, traffic.now())
        sides: dict[str, tuple[Path, Path]] = {}
        for side, tree in (("before", earlier), ("after", current)):
            site, database = folder / f"site-{side}", folder / f"{side}.sqlite3"
            python_in(tree, "-m", "kb_build.cli", "build", "--site-dir", str(site))
            python_in(tree, "-m", "status_api.cli", "import", str(source), env={"STATUS_API_DB": str(database)})
            sides[side] = (site, database)
        scripts = write_scripts(folder, COUNT, COUNT)

        ports: dict[str, int] = {}
        pids: dict[str, int] = {}
        for side, tree in (("before", earlier), ("after", current)):
            site, database = sides[side]
            env = {
                "PYTHONPATH": str(tree),
                "STATUS_API_SITE_DIR": str(site),
                "STATUS_API_DB": str(database),
                "STATUS_API_TOKEN": TOKEN,
                **UNPROTECTED,
            }
            command = [sys.executable, "-m", "status_api.cli", "serve", "--port"]
            ports[side], pids[side] = stack.enter_context(serving(command, env))
            uncached = {**env, "STATUS_API_LOOKUP_CACHE": "0"}
            ports[side + " uncached"], pids[side + " uncached"] = stack.enter_context(serving(command, uncached))

        measures = {
            "JSON lookup, uniform": "json",
            "HTML answer, uniform": "html",
            "JSON lookup, no answer cache": "json",
        }
        chosen = os.environ.get("BENCH_MEASURES")
        if chosen:
            measures = {label: script for label, script in measures.items() if label in chosen.split(",")}
        rounds: list[dict[tuple[str, str], tuple[float, float, float]]] = []
        for _ in range(ROUNDS):
            measured = {}
            for label, script in measures.items():
                for side in ("before", "after"):
                    server = side + (" uncached" if "no answer cache" in label else "")
                    measured[(label, side)] = wrk_run(ports[server], scripts[script], pid=pids[server])
            rounds.append(measured)

    table = [
        (
            "measure",
            "before (req/s, p99, CPU/req)",
            "after (req/s, p99, CPU/req)",
            "after / before (rounds)",
            "p99 after / before",
            "CPU/req after / before (rounds)",
        )
    ]
    for label in measures:
        before = [r[(label, "before")] for r in rounds]
        after = [r[(label, "after")] for r in rounds]
        rates = sorted(a[0] / b[0] for a, b in zip(after, before, strict=True))
        rate = statistics.median(rates)
        p99 = statistics.median(a[1] / b[1] for a, b in zip(after, before, strict=True))
        cpus = sorted(a[2] / b[2] for a, b in zip(after, before, strict=True))
        table.append(
            (
                label,
                _figures(before),
                _figures(after),
                f"{rate:.3f}x ({rates[0]:.2f} to {rates[-1]:.2f})",
                f"{p99:.2f}x",
                f"{statistics.median(cpus):.3f}x ({cpus[0]:.2f} to {cpus[-1]:.2f})",
            )
        )
    print(f"{revision} (before) against {later or 'the working tree'} (after), {COUNT:,} tickets, {ROUNDS} rounds:")
    print_table(table)


def _figures(measured: list[tuple[float, float, float]]) -> str:
    rate, p99, cpu = (statistics.median(m[i] for m in measured) for i in range(3))
    return f"{rate:,.0f}, {p99:.1f} ms, {cpu:.0f} µs"


if __name__ == "__main__":
    main()
