"""Constants and helpers shared by the status_api tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kb_build.model import KnowledgeBase

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
DEMO = ROOT / "status_api" / "demo" / "tickets.yml"
TOKEN = "test-token-0123456789"
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
