"""`status-api import` killed with SIGKILL in the middle, again and again: nothing half-written, nothing lost.

Each round imports a new batch of a few thousand tickets into the same database and kills the import at a
random moment between the end of its start-up (measured first, with a one-ticket import) and the end of a
whole import (measured too). The import is one transaction: a batch is either all there or not at all, and
every import the command reported (exit status 0, "importé(s)") is there, round after round.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kb_build.model import KnowledgeBase
from tests.status_api.helpers import DATA, ROOT, status_api_command

TICKETS = 3000
UPDATES = 2
KILLS = 30
ROUNDS_MAX = 80
SECONDS_MAX = 240


def write_batch(path: Path, batch: int, count: int, kb: KnowledgeBase) -> None:
    opened = datetime(2026, 11, 20, 9, tzinfo=UTC)
    tickets = [
        {
            "reference": f"B{batch:03d}-{n:05d}",
            "issue_type": kb.issue_types.issue_types[n % len(kb.issue_types.issue_types)].id,
            "step": kb.process.steps[0].id,
            "opened_at": opened.isoformat(),
            "call_ids": [f"7{batch:03d}{n:06d}0000000000"],
            "updates": [
                {"at": (opened + timedelta(hours=h + 1)).isoformat(), "text": f"Mise à jour {h} du lot {batch}."}
                for h in range(UPDATES)
            ],
        }
        for n in range(count)
    ]
    if path.suffix == ".jsonl":  # the bulk format: a ticket a line, streamed into batches of one transaction
        path.write_text("".join(json.dumps(ticket) + "\n" for ticket in tickets), encoding="utf-8")
    else:
        path.write_text(json.dumps({"tickets": tickets}), encoding="utf-8")


def start_import(path: Path, db: Path | str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [status_api_command(), "import", str(path)],
        env={**os.environ, "KB_DATA_DIR": str(DATA), "STATUS_API_DB": str(db)},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def timed_import(path: Path, db: Path | str) -> float:
    started = time.monotonic()
    process = start_import(path, db)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0 and "importé(s)" in out, err
    return time.monotonic() - started


def _count(db: Path | str, table: str, prefix: str) -> int:
    query = f"SELECT count(*) FROM {table} WHERE reference LIKE "
    if isinstance(db, str):  # a PostgreSQL URL
        import psycopg

        with psycopg.connect(db) as pg:
            row = pg.execute((query + "%s").encode(), (prefix,)).fetchone()
            return int(row[0]) if row else 0
    with sqlite3.connect(db) as conn:
        return int(conn.execute(query + "?", (prefix,)).fetchone()[0])


def batch_state(db: Path | str, batch: int, count: int) -> str:
    """'all', 'none', or what is wrong: a batch is never partly there."""
    prefix = f"B{batch:03d}-%"
    tickets, call_ids, updates = (_count(db, table, prefix) for table in ("tickets", "call_ids", "updates"))
    if (tickets, call_ids, updates) == (count, count, count * UPDATES):
        return "all"
    if (tickets, call_ids, updates) == (0, 0, 0):
        return "none"
    return f"partial: {tickets} tickets, {call_ids} call IDs, {updates} updates"


def integrity(db: Path | str) -> str:
    if isinstance(db, str):
        # PostgreSQL checks its foreign keys at every commit; what is left to see is a ticket without call IDs.
        import psycopg

        with psycopg.connect(db) as pg:
            row = pg.execute(
                b"SELECT count(*) FROM tickets AS t"
                b" WHERE NOT EXISTS (SELECT 1 FROM call_ids WHERE reference = t.reference)"
            ).fetchone()
        return "ok" if row is not None and row[0] == 0 else f"{row} tickets without call IDs"
    with sqlite3.connect(db) as conn:
        result: str = conn.execute("PRAGMA integrity_check").fetchone()[0]
        foreign = conn.execute("PRAGMA foreign_key_check").fetchall()
    return result if not foreign else f"foreign keys: {foreign[:3]}"


@pytest.mark.parametrize(("suffix", "backend"), [(".json", "sqlite"), (".jsonl", "sqlite"), (".jsonl", "postgres")])
def test_an_import_killed_at_any_moment_leaves_all_or_nothing(
    kb: KnowledgeBase, tmp_path: Path, suffix: str, backend: str, request: pytest.FixtureRequest
) -> None:
    db: Path | str = request.getfixturevalue("pg_url") if backend == "postgres" else tmp_path / "status.sqlite3"
    one = tmp_path / f"one{suffix}"
    write_batch(one, 999, 1, kb)
    start_up = min(timed_import(one, db) for _ in range(3))
    first = tmp_path / f"batch-0{suffix}"
    write_batch(first, 0, TICKETS, kb)
    whole = timed_import(first, db)
    committed = {0}
    killed: list[int] = []
    chance = random.Random(5)
    deadline = time.monotonic() + SECONDS_MAX
    batch = 0
    while len(killed) < KILLS and batch < ROUNDS_MAX and time.monotonic() < deadline:
        batch += 1
        path = tmp_path / f"batch-{batch}{suffix}"
        write_batch(path, batch, TICKETS, kb)
        process = start_import(path, db)
        time.sleep(chance.uniform(0.9 * start_up, 1.05 * whole))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=30)
            killed.append(batch)
        else:
            out, _ = process.communicate()
            if process.returncode == 0 and "importé(s)" in out:
                committed.add(batch)
        path.unlink()
        assert integrity(db) == "ok", f"after batch {batch}"
        state = batch_state(db, batch, TICKETS)
        assert state in ("all", "none"), f"batch {batch}: {state}"
        if batch in committed:
            assert state == "all"

    landed = [b for b in killed if batch_state(db, b, TICKETS) == "none"]
    print(
        f"start-up {start_up:.2f} s, whole import {whole:.2f} s; {batch} rounds: {len(killed)} killed "
        f"({len(landed)} before their commit), {len(committed) - 1} finished first"
    )
    assert len(killed) >= KILLS, f"only {len(killed)} imports were still running when killed"
    for done in committed:
        assert batch_state(db, done, TICKETS) == "all", f"batch {done} was reported imported"
    assert integrity(db) == "ok"
