"""`status-api` with its pauses timed: run as `python bench/gcprobe.py serve --port N`.

bench/tail.py starts the service through this file to see how long the garbage collector holds the event loop
(every request waits while it runs), and how long the process was ever held at all: a thread that wakes every
millisecond notes its longest wait, which a turn of the event loop holding the interpreter, a collector's pass
or the machine descheduling the process would all lengthen. SIGUSR1 forgets what was seen so far; SIGUSR2
writes, to the file named by GC_PROBE_OUT, each generation's pauses in ms, the longest wait in ms and how many
objects the collector tracks (start-up's frozen ones aside). Nothing here is imported by the service.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
import threading
import time
from types import FrameType

_pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
_started = [0.0]
_longest_wait = [0.0]


def _tick() -> None:
    last = time.perf_counter()
    while True:
        time.sleep(0.001)
        now = time.perf_counter()
        _longest_wait[0] = max(_longest_wait[0], (now - last) * 1000)
        last = now


def _timed(phase: str, info: dict[str, int]) -> None:
    if phase == "start":
        _started[0] = time.perf_counter()
    else:
        _pauses[info["generation"]].append((time.perf_counter() - _started[0]) * 1000)


def _reset(signum: int, frame: FrameType | None) -> None:
    for pauses in _pauses.values():
        pauses.clear()
    _longest_wait[0] = 0.0


def _write(signum: int, frame: FrameType | None) -> None:
    with open(os.environ["GC_PROBE_OUT"], "w", encoding="utf-8") as out:
        json.dump({"pauses": _pauses, "longest_wait": _longest_wait[0], "tracked": len(gc.get_objects())}, out)


if __name__ == "__main__":
    gc.callbacks.append(_timed)
    threading.Thread(target=_tick, daemon=True).start()
    signal.signal(signal.SIGUSR1, _reset)
    signal.signal(signal.SIGUSR2, _write)
    from status_api.cli import main

    sys.exit(main())
