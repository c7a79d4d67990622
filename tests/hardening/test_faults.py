"""A real server whose database vanishes, turns read-only, fills its disk or is locked: 503, then back to work.

Read-only and full disks are real filesystems: a small tmpfs mounted for the test, remounted read-only, or
filled to the last byte with a file, so that SQLite meets the very errors (EROFS, ENOSPC) a server meets.
`PRAGMA max_page_count` would only imitate the second one from inside SQLite. Mounting needs root, as
these machines and CI have.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
import pytest

from kb_build.model import KnowledgeBase
from tests.hardening.conftest import AUTH, CALL_ID, TOKEN
from tests.status_api.helpers import Server, ticket_body

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root (as on CI)")


@contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        # Lazily: the server may still hold files open if the test failed before stopping it.
        subprocess.run(["umount", "-l", str(folder)], check=False)


@contextmanager
def serve(start_server: Callable[..., Server], db: Path, kb: KnowledgeBase) -> Iterator[httpx2.Client]:
    server = start_server(STATUS_API_DB=str(db), STATUS_API_TOKEN=TOKEN)
    with httpx2.Client(base_url=server.url, timeout=30) as http:
        assert http.put("/api/v1/tickets/RGV-1", json=ticket_body(kb), headers=AUTH).status_code == 201
        yield http


def lookup(http: httpx2.Client) -> httpx2.Response:
    return http.post("/api/v1/lookup", json={"call_id": CALL_ID})


def update(http: httpx2.Client, text: str) -> httpx2.Response:
    return http.post("/api/v1/tickets/RGV-1/updates", json={"text": text}, headers=AUTH)


def assert_unavailable(response: httpx2.Response, kb: KnowledgeBase) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"]
    assert response.json()["error"]["message"] == kb.tracking.result.unavailable


def assert_serving(http: httpx2.Client) -> None:
    assert lookup(http).status_code == 200
    assert http.get("/readyz").status_code == 200
    assert http.get("/healthz").status_code == 200


def test_a_vanished_or_replaced_database(
    tmp_path: Path, start_server: Callable[..., Server], kb: KnowledgeBase
) -> None:
    db = tmp_path / "db" / "status.sqlite3"
    with serve(start_server, db, kb) as http:
        assert_serving(http)
        aside = tmp_path / "aside"
        aside.mkdir()
        moved = [path for path in db.parent.iterdir()]
        for path in moved:
            path.rename(aside / path.name)

        assert_unavailable(lookup(http), kb)
        assert_unavailable(update(http, "perdue ?"), kb)
        page = http.post("/suivi", data={"call_id": CALL_ID})
        assert page.status_code == 503
        assert page.headers["content-type"].startswith("text/html")
        assert http.get("/readyz").status_code == 503
        assert http.get("/healthz").status_code == 200  # alive: a liveness probe must not restart it for this
        # Something that is not a database in its place: still an outage, not a server error.
        db.write_bytes(b"ceci n'est pas une base SQLite" * 100)
        assert_unavailable(lookup(http), kb)
        assert http.get("/readyz").status_code == 503

        db.unlink()
        for path in moved:
            (aside / path.name).rename(db.parent / path.name)
        assert_serving(http)
        assert update(http, "de retour").status_code == 201


@needs_root
def test_a_database_turned_read_only(tmp_path: Path, start_server: Callable[..., Server], kb: KnowledgeBase) -> None:
    # Linux refuses to remount a filesystem read-only while a process writes to it, as the service does:
    # the database moves under the service onto a filesystem that is then made read-only.
    db = tmp_path / "db" / "status.sqlite3"
    with tmpfs(tmp_path / "ro", "16m") as read_only, serve(start_server, db, kb) as http:
        assert update(http, "avant").status_code == 201
        for path in list(db.parent.iterdir()):
            shutil.copy2(path, read_only / path.name)
            path.unlink()
        subprocess.run(["mount", "-o", "remount,ro", str(read_only)], check=True)
        db.symlink_to(read_only / db.name)
        try:
            assert_unavailable(update(http, "pendant"), kb)
            # Reads may work from a read-only file, or not (the -shm file cannot be made): never a server error.
            assert lookup(http).status_code in (200, 503)
            assert http.get("/readyz").status_code in (200, 503)
            assert http.get("/healthz").status_code == 200
        finally:
            subprocess.run(["mount", "-o", "remount,rw", str(read_only)], check=True)
        # The first write may still meet what SQLite kept of the read-only file; the service then starts afresh.
        assert [update(http, "après").status_code for _ in range(2)][-1] == 201
        texts = [u["text"] for u in lookup(http).json()["updates"]]
        assert texts[-1] == "avant" and set(texts[:-1]) == {"après"}


@needs_root
def test_a_full_disk(tmp_path: Path, start_server: Callable[..., Server], kb: KnowledgeBase) -> None:
    with tmpfs(tmp_path / "mnt", "4m") as mount, serve(start_server, mount / "status.sqlite3", kb) as http:
        filler = mount / "filler"
        with filler.open("wb") as out:
            try:
                while True:
                    out.write(b"\0" * 65536)
                    out.flush()
            except OSError:
                pass
        acknowledged, refused = [], 0
        # SQLite reuses room it already has in its write-ahead log: a few writes may still fit.
        for n in range(60):
            response = update(http, f"mise à jour {n} " + "x" * 1500)
            assert response.status_code in (201, 503), response.text
            if response.status_code == 503:
                assert_unavailable(response, kb)
                refused += 1
            else:
                acknowledged.append(f"mise à jour {n} ")
        assert refused, "the disk never filled up"
        assert lookup(http).status_code in (200, 503)
        assert http.get("/healthz").status_code == 200

        filler.unlink()
        assert update(http, "place libérée").status_code == 201
        texts = [u["text"] for u in lookup(http).json()["updates"]]
        for prefix in acknowledged:
            assert any(text.startswith(prefix) for text in texts), prefix


@contextmanager
def writer_holding_the_lock(db: Path) -> Iterator[None]:
    """Another writer, as another process would be: it takes the write lock and keeps it."""
    ready, done = threading.Event(), threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(db, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE tickets SET team = team")
        ready.set()
        done.wait(60)
        conn.execute("ROLLBACK")
        conn.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert ready.wait(10)
    try:
        yield
    finally:
        done.set()
        thread.join(10)


def test_a_database_locked_by_another_writer(
    tmp_path: Path, start_server: Callable[..., Server], kb: KnowledgeBase
) -> None:
    db = tmp_path / "status.sqlite3"
    with serve(start_server, db, kb) as http:
        with writer_holding_the_lock(db):
            started = time.monotonic()
            refused = update(http, "bloquée")  # after the busy timeout
            assert_unavailable(refused, kb)
            assert refused.json()["error"]["code"] == "busy"
            # In WAL mode another writer never holds readers back: customers still get their answers.
            # (An exclusive lock cannot even be taken while the service is connected.)
            assert lookup(http).status_code == 200
            assert time.monotonic() - started < 20
            assert http.get("/healthz").status_code == 200
        assert_serving(http)
        assert update(http, "débloquée").status_code == 201
        texts = [u["text"] for u in lookup(http).json()["updates"]]
        assert texts == ["débloquée"]


def test_no_filesystem_is_left_mounted(tmp_path: Path) -> None:
    # The tests above unmount theirs, even when they fail.
    assert not [line for line in Path("/proc/mounts").read_text().splitlines() if str(tmp_path.parent) in line]
