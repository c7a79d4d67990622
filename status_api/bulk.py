"""Bulk import from JSON Lines: one ticket a line, read as a stream, checked like any import, in one transaction."""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
from array import array
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import IO

from kb_build.model import KnowledgeBase
from status_api import messages
from status_api.errors import PayloadError
from status_api.store import TicketRows, ticket_rows
from status_api.tickets import ImportedTicket, Ticket, imported_updates, ticket_from_payload, validate

# Past this many, further problems are counted, not listed: the first ones are what a person fixes first.
SHOWN_PROBLEMS = 50


class BulkFailed(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


Chunk = list[tuple[int, bytes]]
# (line, ticket or None, problems as (column, message)) for each line of a chunk.
Parsed = list[tuple[int, TicketRows | None, list[tuple[int, str]]]]

_CHUNK_LINES = 2_000
_PARALLEL_FROM_BYTES = 4 * 1024 * 1024
_kb: KnowledgeBase | None = None  # the knowledge base of a worker process, set once when it starts


class BulkReader:
    """Yields a file's valid tickets as the store's rows, checking every line; raises BulkFailed if any was wrong.

    Lines are parsed and checked by worker processes (the machine's other cores) while this process writes:
    a million tickets import in well under a minute. Per ticket, only its line, reference and call IDs are
    kept here (for duplicates and error positions), so memory stays bounded.
    """

    def __init__(
        self, path: Path, kb: KnowledgeBase, *, progress: IO[str] | None = None, workers: int | None = None
    ) -> None:
        self.path = path
        self.kb = kb
        self.progress = progress
        # By default, one worker a core, for files large enough to be worth starting them.
        self.auto_workers = workers is None
        self.workers = max(1, os.cpu_count() or 1) if workers is None else workers
        self.problems: list[str] = []
        self.count = 0
        self.hidden = 0
        self._lines = array("L")  # the line of each ticket, by its index in the stream
        self._references: set[str] = set()
        self._call_ids: set[str] = set()

    def __iter__(self) -> Iterator[TicketRows]:
        try:
            handle = self.path.open("rb")
        except OSError as error:
            self._fail(1, 1, messages.FILE_UNREADABLE.format(reason=error))
            raise BulkFailed(self.errors()) from None
        size = max(self.path.stat().st_size, 1)
        with handle:
            chunks = _chunks(handle)
            for parsed in self._parsed(chunks):
                for number, ticket, problems in parsed:
                    for column, message in problems:
                        self._fail(number, column, message)
                    if ticket is not None and self._unique(number, ticket) and not self.problems:
                        self._lines.append(number)
                        self.count += 1
                        yield ticket
                if self.progress is not None:
                    self.progress.write(f"\r{messages.IMPORT_PROGRESS.format(percent=handle.tell() * 100 // size)}")
                    self.progress.flush()
        if self.progress is not None:
            self.progress.write("\r" + " " * 40 + "\r")
        if self.problems:
            # Raised from inside the store's transaction, which then writes nothing.
            raise BulkFailed(self.errors())

    def _parsed(self, chunks: Iterator[Chunk]) -> Iterator[Parsed]:
        """Chunks parsed in order, by worker processes when there is more than one core."""
        if self.workers <= 1 or (self.auto_workers and self.path.stat().st_size < _PARALLEL_FROM_BYTES):
            _set_kb(self.kb)
            yield from map(_parse_chunk, chunks)
            return
        context = multiprocessing.get_context("spawn")  # no SQLite handle or thread crosses into the workers
        with ProcessPoolExecutor(self.workers, mp_context=context, initializer=_set_kb, initargs=(self.kb,)) as pool:
            pending: deque[Future[Parsed]] = deque()
            for chunk in chunks:
                pending.append(pool.submit(_parse_chunk, chunk))
                # A few chunks ahead keep the workers busy without reading the whole file into memory.
                if len(pending) >= 2 * self.workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()

    def _unique(self, number: int, ticket: TicketRows) -> bool:
        unique = True
        if ticket.reference in self._references:
            self._fail(number, 1, messages.DUPLICATE_REFERENCE.format(reference=ticket.reference))
            unique = False
        for call_id in ticket.call_ids:
            if call_id in self._call_ids:
                self._fail(number, 1, messages.DUPLICATE_CALL_ID.format(call_id=call_id))
                unique = False
        self._references.add(ticket.reference)
        self._call_ids.update(ticket.call_ids)
        return unique

    def line_of(self, index: int) -> int:
        return self._lines[index]

    def errors(self) -> list[str]:
        more = [messages.MORE_PROBLEMS.format(count=self.hidden)] if self.hidden else []
        return [*self.problems, *more]

    def _fail(self, line: int, column: int, message: str) -> None:
        if len(self.problems) < SHOWN_PROBLEMS:
            self.problems.append(f"{self.path}:{line}:{column}: {message}")
        else:
            self.hidden += 1


def _chunks(handle: IO[bytes]) -> Iterator[Chunk]:
    chunk: Chunk = []
    for number, raw in enumerate(handle, start=1):
        if raw.strip():
            chunk.append((number, raw))
            if len(chunk) == _CHUNK_LINES:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def _set_kb(kb: KnowledgeBase) -> None:
    global _kb
    _kb = kb


def _parse_chunk(chunk: Chunk) -> Parsed:
    """Each line checked, and made into the rows the store writes, here in the worker rather than in the
    process that writes (rows also travel back far quicker than models)."""
    assert _kb is not None
    parsed: Parsed = []
    for number, raw in chunk:
        ticket, problems = _parse_line(raw, _kb)
        parsed.append((number, ticket_rows(ticket) if ticket is not None else None, problems))
    return parsed


def _parse_line(raw: bytes, kb: KnowledgeBase) -> tuple[Ticket | None, list[tuple[int, str]]]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, [(1, messages.NOT_UTF8_FILE)]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        # A line cut short fails past its end: point at the end of the line instead.
        return None, [(min(error.pos, len(text.rstrip())) + 1, messages.JSON_SYNTAX)]
    try:
        imported = validate(ImportedTicket, data, kb)
        ticket = ticket_from_payload(imported.reference, imported, kb, prefix=("ticket",))
        return imported_updates(ticket, imported.updates, prefix=("ticket",)), []
    except PayloadError as error:
        return None, [(1, problem.describe()) for problem in error.problems]


def progress_stream() -> IO[str] | None:
    """Progress goes to a terminal only: piped output and logs stay clean."""
    return sys.stderr if sys.stderr.isatty() else None
