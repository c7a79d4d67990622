"""An earlier commit and the working tree, side by side under the same load: did a change cost anything?

    python -m bench.compare REV            # e.g. python -m bench.compare HEAD~3

REV is checked out into a temporary git worktree and run from there (PYTHONPATH), with this virtualenv: both
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

from bench import tickets
from bench.common import ROOT, print_table
from bench.lookup import ROUNDS, TOKEN, UNPROTECTED, serving, write_scripts, wrk

COUNT = int(os.environ.get("BENCH_TICKETS", "200000"))


def _python(tree: Path, *args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run(
        [sys.executable, *args],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree), "NO_MKDOCS_2_WARNING": "1", **(env or {})},
        check=True,
        capture_output=True,
    )


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    revision = sys.argv[1]
    with tempfile.TemporaryDirectory() as name, ExitStack() as stack:
        folder = Path(name)
        earlier = folder / "earlier"
        subprocess.run(["git", "worktree", "add", "--detach", str(earlier), revision], cwd=ROOT, check=True)
        stack.callback(subprocess.run, ["git", "worktree", "remove", "--force", str(earlier)], cwd=ROOT)
        source = folder / "tickets.jsonl"
        tickets.write(source, COUNT)
        sides: dict[str, tuple[Path, Path]] = {}
        for side, tree in (("before", earlier), ("after", ROOT)):
            site, database = folder / f"site-{side}", folder / f"{side}.sqlite3"
            _python(tree, "-m", "kb_build.cli", "build", "--site-dir", str(site))
            _python(tree, "-m", "status_api.cli", "import", str(source), env={"STATUS_API_DB": str(database)})
            sides[side] = (site, database)
        scripts = write_scripts(folder, COUNT)

        ports = {}
        for side, tree in (("before", earlier), ("after", ROOT)):
            site, database = sides[side]
            env = {
                "PYTHONPATH": str(tree),
                "STATUS_API_SITE_DIR": str(site),
                "STATUS_API_DB": str(database),
                "STATUS_API_TOKEN": TOKEN,
                **UNPROTECTED,
            }
            command = [sys.executable, "-m", "status_api.cli", "serve", "--port"]
            ports[side], _ = stack.enter_context(serving(command, env))
            ports[side + " uncached"], _ = stack.enter_context(
                serving(command, {**env, "STATUS_API_LOOKUP_CACHE": "0"})
            )

        measures = {"JSON lookup": "json", "HTML answer": "html", "JSON lookup, no answer cache": "json"}
        rounds: list[dict[tuple[str, str], tuple[float, float]]] = []
        for _ in range(ROUNDS):
            measured = {}
            for label, script in measures.items():
                for side in ("before", "after"):
                    port = ports[side + (" uncached" if "no answer cache" in label else "")]
                    measured[(label, side)] = wrk(port, scripts[script])
            rounds.append(measured)

    table = [("measure", "before (req/s, p99)", "after (req/s, p99)", "after / before", "p99 after / before")]
    for label in measures:
        before = [r[(label, "before")] for r in rounds]
        after = [r[(label, "after")] for r in rounds]
        rate = statistics.median(a[0] / b[0] for a, b in zip(after, before, strict=True))
        p99 = statistics.median(a[1] / b[1] for a, b in zip(after, before, strict=True))
        table.append(
            (
                label,
                f"{statistics.median(b[0] for b in before):,.0f}, {statistics.median(b[1] for b in before):.1f} ms",
                f"{statistics.median(a[0] for a in after):,.0f}, {statistics.median(a[1] for a in after):.1f} ms",
                f"{rate:.3f}x",
                f"{p99:.2f}x",
            )
        )
    print(f"{revision} (before) against the working tree (after), {COUNT:,} tickets, {ROUNDS} rounds:")
    print_table(table)


if __name__ == "__main__":
    main()
