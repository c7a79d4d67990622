"""Values made from the built site's files follow a rebuild, looking at the file at most once per interval."""

from __future__ import annotations

import os
import time
from pathlib import Path

from status_api.views.watched import Watched


def read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def touch_later(path: Path, text: str) -> None:
    # A later modification time than the one kept, whatever the file system's time resolution.
    stamp = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(stamp + 10**9, stamp + 10**9))


def test_a_change_shows_once_the_interval_has_passed(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text("v1", encoding="utf-8")
    watched = Watched(path, read, interval=0.2)
    assert watched.get() == "v1"
    touch_later(path, "v2")
    assert watched.get() == "v1"  # not looked at again yet
    time.sleep(0.2)
    assert watched.get() == "v2"


def test_a_missing_file_is_answered_by_make_and_found_once_written(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    watched = Watched(path, read, interval=0)
    assert watched.get() is None
    touch_later(path, "built")
    assert watched.get() == "built"
    path.unlink()
    assert watched.get() is None


def test_an_unchanged_file_is_not_read_again(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text("v1", encoding="utf-8")
    reads: list[Path] = []

    def counted(p: Path) -> str | None:
        reads.append(p)
        return read(p)

    watched = Watched(path, counted, interval=0)
    for _ in range(5):
        assert watched.get() == "v1"
    assert len(reads) == 1
