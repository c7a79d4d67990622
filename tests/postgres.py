"""A throwaway PostgreSQL cluster for the tests: Debian's initdb and pg_ctl on a free port in a temporary
folder, never a mock or a container.

Run as root (as CI is), the server runs as the `postgres` system user, which initdb requires. Without
PostgreSQL on the machine the tests that need it skip saying why; in CI (CI set) they fail: .ci/run
installs it.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def _binary(name: str) -> str | None:
    for folder in _BIN_DIRS:
        if (folder / name).exists():
            return str(folder / name)
    return shutil.which(name)


def installed() -> bool:
    """Whether Debian's initdb and pg_ctl are on this machine."""
    return _binary("initdb") is not None and _binary("pg_ctl") is not None


def missing(what: str) -> None:
    """In CI a missing PostgreSQL fails the run (never a silent skip); elsewhere the test skips, saying why."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI is set: the PostgreSQL tests must run, .ci/run installs postgresql)", pytrace=False)
    pytest.skip(what)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Cluster:
    folder: Path
    port: int
    user: str | None  # the system user the server runs as (None: this one)
    # Tests trade durability for speed (fsync off); the benchmarks run durable, with the settings a production
    # server is given for bulk imports (DURABLE_SETTINGS).
    durable: bool = False
    _names: Iterator[int] = field(default_factory=itertools.count)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        result = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=120, check=False)
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {result.stdout}{result.stderr}")
        return result

    def start(self) -> None:
        pg_ctl = _binary("pg_ctl")
        assert pg_ctl is not None
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=300"
        options += (
            DURABLE_SETTINGS if self.durable else " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = self.folder / "server.log"
        self._run(pg_ctl, "-D", str(self.data), "-o", options, "-l", str(log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        pg_ctl = _binary("pg_ctl")
        assert pg_ctl is not None
        self._run(pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def execute(self, sql: str, database: str = "postgres") -> list[tuple[object, ...]]:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            cursor = conn.execute(sql.encode())
            return cursor.fetchall() if cursor.description else []

    def new_database(self) -> str:
        """The URL of a new, empty database: each test gets its own."""
        name = f"test_{next(self._names)}"
        self.execute(f"CREATE DATABASE {name} TEMPLATE template0 STRATEGY file_copy")
        return self.url(name)


# fsync, synchronous_commit and full_page_writes at their defaults (on); memory for the shared cache, and
# room for a million tickets' WAL between checkpoints (the default 1 GB forces checkpoints during the import).
DURABLE_SETTINGS = " -c shared_buffers=1GB -c max_wal_size=8GB -c checkpoint_timeout=30min"


def start_cluster(*, durable: bool = False) -> Iterator[Cluster]:
    initdb = _binary("initdb")
    if initdb is None or _binary("pg_ctl") is None:
        missing("PostgreSQL is not installed (initdb and pg_ctl not found): apt-get install postgresql")
    assert initdb is not None
    try:
        import psycopg  # noqa: F401
    except ImportError:
        missing("psycopg is not installed: pip install -e '.[test]'")
    user = None
    folder = Path(tempfile.mkdtemp(prefix="status-pg-"))
    if os.geteuid() == 0:
        user = "postgres"
        try:
            entry = pwd.getpwnam(user)
        except KeyError:
            missing("running as root and there is no postgres system user to run PostgreSQL as")
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    cluster = Cluster(folder, _free_port(), user, durable)
    try:
        cluster._run(initdb, "-D", str(cluster.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        cluster.start()
        yield cluster
    finally:
        cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


def run_two_instances(ports: tuple[int, ...] = (8001, 8002)) -> None:
    """`make run-pg`: a throwaway PostgreSQL with the demo tickets, and one `status-api serve` per port on it,
    until Ctrl-C; everything is removed at the end."""
    import secrets
    import signal
    import sys
    import time

    if _binary("initdb") is None:
        sys.exit("PostgreSQL is needed: apt-get install postgresql")
    taken = [port for port in ports if not _port_free(port)]
    if taken:  # said before a cluster is made for nothing
        sys.exit(_taken(taken, ports))
    root = Path(__file__).resolve().parent.parent
    command = str(Path(sys.executable).with_name("status-api"))
    clusters = start_cluster()
    cluster = next(clusters)
    url = cluster.new_database()
    token = secrets.token_urlsafe(32)
    env = {**os.environ, "STATUS_API_DB": url, "STATUS_API_TOKEN": token}
    if (root / "site").is_dir():  # built by `make run-pg` (kb build)
        env["STATUS_API_SITE_DIR"] = str(root / "site")
    demo = [command, "import", "status_api/demo/tickets.yml", "--shift-to-now", "--show-call-ids"]
    subprocess.run(demo, env=env, cwd=root, check=True)
    servers = [
        subprocess.Popen([command, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=root)
        for port in ports
    ]
    print(f"\nPostgreSQL : {url}\nJeton d'écriture : {token}")
    for port in ports:
        print(f"Instance : http://127.0.0.1:{port}  (même base, mêmes budgets)")

    def interrupt(*args: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    stopped: list[tuple[int, int]] = []
    try:
        while not stopped:
            time.sleep(0.5)
            stopped = [
                (port, code) for port, server in zip(ports, servers, strict=True) if (code := server.poll()) is not None
            ]
    except KeyboardInterrupt:
        pass
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=15)
        for _ in clusters:  # stops the server and removes its folder
            pass
    if stopped:
        # An instance that stopped by itself (its port taken meanwhile, say: its message is above) fails the run.
        sys.exit(
            "\n".join(
                f"L'instance du port {port} s'est arrêtée (code {code}) : voir son message ci-dessus."
                for port, code in stopped
            )
            + "\nmake run-pg s'arrête : PostgreSQL et les autres instances ont été arrêtés."
        )


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _taken(taken: list[int], ports: tuple[int, ...]) -> str:
    needed = " et ".join(str(port) for port in ports)
    which = ", ".join(str(port) for port in taken)
    ports_are = f"le port {which} est déjà utilisé" if len(taken) == 1 else f"les ports {which} sont déjà utilisés"
    return (
        f"make run-pg : {ports_are} sur 127.0.0.1 (il faut {needed} libres) ; arrêtez ce qui les occupe "
        "(ss -ltnp le montre) et relancez."
    )


if __name__ == "__main__":
    import sys

    # `python -m tests.postgres 9001 9002`: other ports than make run-pg's.
    run_two_instances(tuple(int(port) for port in sys.argv[1:]) or (8001, 8002))
