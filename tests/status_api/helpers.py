"""Constants and helpers shared by the status_api tests."""

from __future__ import annotations

import contextlib
import os
import resource
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest

from kb_build.model import KnowledgeBase
from status_api.config import Settings
from status_api.domain.store import Store
from status_api.storage import open_store

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
DEMO = ROOT / "status_api" / "demo" / "tickets.yml"
# A token as `status-api token` makes them (the service refuses weak ones at start).
TOKEN = "hA7kQ2xW9mZr4LpV8sTn3YbE6uJc1FdG5oKi0RwX"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# A fixed "now" for the app in process, so that windows and due dates are exact.
NOW = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
CALL_ID = "20261124120000000001"


def ticket_body(kb: KnowledgeBase, **overrides: Any) -> dict[str, Any]:
    """A valid PUT body: the first issue type at the first step, opened an hour before NOW."""
    body: dict[str, Any] = {
        "issue_type": kb.issue_types.issue_types[0].id,
        "step": kb.process.steps[0].id,
        "opened_at": (NOW - timedelta(hours=1)).isoformat(),
        "call_ids": [CALL_ID],
    }
    body.update(overrides)
    return body


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def status_api_command() -> str:
    # The console script installed with the package, as a person runs it.
    script = Path(sys.executable).with_name("status-api")
    assert script.exists(), "install the project first: pip install -e '.[test]'"
    return str(script)


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [status_api_command(), *args],
        env={**os.environ, "KB_DATA_DIR": str(DATA), **env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    database: str = ""  # its STATUS_API_DB: a SQLite file or a postgresql:// URL

    @property
    def pid(self) -> int:
        return self.process.pid

    def open_files(self) -> list[str]:
        """What the process has open now, as /proc names it (sockets as socket:[…], files by path)."""
        fds = Path(f"/proc/{self.pid}/fd")
        targets = []
        for fd in fds.iterdir():
            with contextlib.suppress(OSError):  # closed meanwhile
                targets.append(os.readlink(fd))
        return targets

    def stop(self) -> str:
        """Stop the server; what it printed."""
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=15)
        return self.log.read_text(encoding="utf-8", errors="replace")


def opened(database: str) -> Store:
    """The store a STATUS_API_DB names (a SQLite file or a postgresql:// URL), as the service opens it."""
    return open_store(Settings.from_env({"STATUS_API_DB": database}))


def serve(env: dict[str, str], log: Path, *, max_files: int | None = None) -> Server:
    """`status-api serve` for real on a free port, with `env` as its whole environment; ready once /healthz answers.

    `max_files` caps the files the process may open (soft and hard limit), as a small container would.
    """
    port = free_port()

    def limit_files() -> None:
        if max_files is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (max_files, max_files))

    # Into a file, not a pipe: a pipe that nobody reads fills up with the access log and stalls the server.
    with log.open("wb") as output:
        process = subprocess.Popen(
            [status_api_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            preexec_fn=limit_files if max_files is not None else None,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log, env.get("STATUS_API_DB", ""))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"status-api serve exited with {process.returncode}:\n{server.stop()}")
        try:
            if httpx2.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return server
        except httpx2.TransportError:
            time.sleep(0.1)
    pytest.fail(f"status-api serve did not answer /healthz within 30 s:\n{server.stop()}")


def served_on(backend: str, request: Any, folder: Path, **env: str) -> Server:
    """`status-api serve` on a SQLite file in `folder` or, for backend "postgres", on a PostgreSQL database of
    its own (the session's throwaway cluster), with `env` added: a module's one server per backend."""
    database = str(folder / "served.sqlite3")
    if backend == "postgres":
        database = request.getfixturevalue("pg_cluster").new_database()
    environment = {
        "PATH": "/usr/bin:/bin",
        "STATUS_API_DB": database,
        "KB_DATA_DIR": str(DATA),
        "STATUS_API_RATE_LIMIT": "off",
        **env,
    }
    return serve(environment, folder / "server.log")
