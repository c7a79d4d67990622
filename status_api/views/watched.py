"""A value made from a file of the built site, made again after the site is rebuilt."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

_T = TypeVar("_T")

# How long a value is trusted before its file is looked at again: the pages and headers made from these files
# go out thousands of times a second, and a rebuilt site shows within this delay.
RELOAD_INTERVAL = 1.0


class Watched(Generic[_T]):
    """`make(path)` kept while the file's modification time stays the same; `make` also answers a missing file."""

    def __init__(self, path: Path, make: Callable[[Path], _T], *, interval: float = RELOAD_INTERVAL) -> None:
        self._path = path
        self._name = os.fspath(path)
        self._make = make
        self._interval = interval
        self._checked_at = time.monotonic()
        # The stamp before the reading: a file changing meanwhile is read again at the next look.
        self._stamp = self._modified()
        self._value = make(path)

    def get(self) -> _T:
        now = time.monotonic()
        if now - self._checked_at >= self._interval:
            self._checked_at = now
            stamp = self._modified()
            if stamp != self._stamp:
                self._value = self._make(self._path)
                self._stamp = stamp
        return self._value

    def _modified(self) -> int | None:
        try:
            return os.stat(self._name).st_mtime_ns
        except OSError:
            return None
