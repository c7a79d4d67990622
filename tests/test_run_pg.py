"""`make run-pg` (tests/postgres.py run_two_instances) stops saying which port is taken, and fails."""

from __future__ import annotations

import socket
import subprocess
import sys

from tests.conftest import ROOT
from tests.postgres import installed, missing


def test_a_taken_port_stops_it_before_anything_starts() -> None:
    if not installed():
        missing("PostgreSQL is not installed (initdb and pg_ctl not found): apt-get install postgresql")
    with socket.socket() as taken, socket.socket() as free:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        free.bind(("127.0.0.1", 0))
        ports = [str(taken.getsockname()[1]), str(free.getsockname()[1])]
        free.close()
        result = subprocess.run(
            [sys.executable, "-m", "tests.postgres", *ports],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1, result.stderr
    assert f"le port {ports[0]} est déjà utilisé" in result.stderr
    assert "Instance :" not in result.stdout and "PostgreSQL :" not in result.stdout  # nothing was started
