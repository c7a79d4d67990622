"""Bulk import from JSON Lines: one ticket a line, read as a stream, checked like any import, in one transaction."""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
from array import array
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from kb_build.model import KnowledgeBase
from status_api.core import Core, tickets
from status_api.domain import messages
from status_api.domain.errors import CallIdTaken, Invalid
from status_api.domain.payloads import ImportedTicket, Validator
from status_api.domain.records import Ticket
from status_api.domain.tickets import imported_updates, ticket_from_payload

# Past this many, further problems are counted, not listed: the first ones are what a person fixes first.
SHOWN_PROBLEMS = 50


class BulkFailed(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


Prepare = Callable[[Ticket], object]


@dataclass(frozen=True)
class Line:
    """One valid ticket of the file: what the reader checks across lines, and what the store will write."""

    number: int
    reference: str
    call_ids: tuple[str, ...]
    prepared: object  # what the store's preparer() made of the ticket


Chunk = list[tuple[int, bytes]]
# For each line of a chunk: the ticket, or its problems as (column, message).
Parsed = list[Line | tuple[int, list[tuple[int, str]]]]

_CHUNK_LINES = 2_000
_PARALLEL_FROM_BYTES = 4 * 1024 * 1024


def import_lines(core: Core, path: Path, *, progress: IO[str] | None = None, workers: int | None = None) -> int:
    """Stream the file into one transaction of the store; BulkFailed, each problem at file:line:col."""
    reader = BulkReader(path, core.validate, core.store.preparer(), progress=progress, workers=workers)
    try:
        return tickets.import_many(core, reader)
    except CallIdTaken as taken:
        line = reader.line_of(taken.index) if taken.index is not None else 1
        raise BulkFailed([f"{path}:{line}:1: {taken.message}"]) from None


class BulkReader:
    """Yields a file's valid tickets as the store's rows, checking every line; raises BulkFailed if any was wrong.

    Lines are parsed and checked by worker processes (the machine's other cores) while this process writes:
    a million tickets import in well under a minute. Per ticket, only its line, reference and call IDs are
    kept here (for duplicates and error positions), so memory stays bounded.
    """

    def __init__(
        self,
        path: Path,
        validate: Validator,
        prepare: Prepare,
        *,
        progress: IO[str] | None = None,
        workers: int | None = None,
    ) -> None:
        self.path = path
        self.validate = validate
        self.prepare = prepare
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

    def __iter__(self) -> Iterator[object]:
        try:
            handle = self.path.open("rb")
        except OSError as error:
            self._fail(1, 1, messages.FILE_UNREADABLE.format(reason=error))
            raise BulkFailed(self.errors()) from None
        size = max(self.path.stat().st_size, 1)
        with handle:
            chunks = _chunks(handle)
            for parsed in self._parsed(chunks):
                for line in parsed:
                    if not isinstance(line, Line):
                        number, problems = line
                        for column, message in problems:
                            self._fail(number, column, message)
                    elif self._unique(line) and not self.problems:
                        self._lines.append(line.number)
                        self.count += 1
                        yield line.prepared
                if self.progress is not None:
                    self.progress.write(f"\r{messages.IMPORT_PROGRESS.format(percent=handle.tell() * 100 // size)}")
                    self.progress.flush()
        if self.progress is not None:
            self.progress.write("\r" + " " * 40 + "\r")
        if self.count == 0 and not self.problems:
            # Like an empty YAML file: most likely the wrong file, which "0 tickets imported" would hide.
            self._fail(1, 1, messages.NO_TICKET_LINE)
        if self.problems:
            # Raised from inside the store's transaction, which then writes nothing.
            raise BulkFailed(self.errors())

    def _parsed(self, chunks: Iterator[Chunk]) -> Iterator[Parsed]:
        """Chunks parsed in order, by worker processes when there is more than one core."""
        if self.workers <= 1 or (self.auto_workers and self.path.stat().st_size < _PARALLEL_FROM_BYTES):
            parse = _Parser(self.validate, self.prepare)
            yield from map(parse, chunks)
            return
        context = multiprocessing.get_context("spawn")  # no database handle or thread crosses into the workers
        start = (self.validate.kb, self.prepare)
        with ProcessPoolExecutor(self.workers, mp_context=context, initializer=_start, initargs=start) as pool:
            pending: deque[Future[Parsed]] = deque()
            for chunk in chunks:
                pending.append(pool.submit(_parse_in_worker, chunk))
                # A few chunks ahead keep the workers busy without reading the whole file into memory.
                if len(pending) >= 2 * self.workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()

    def _unique(self, line: Line) -> bool:
        unique = True
        if line.reference in self._references:
            self._fail(line.number, 1, messages.DUPLICATE_REFERENCE.format(reference=line.reference))
            unique = False
        for call_id in line.call_ids:
            if call_id in self._call_ids:
                self._fail(line.number, 1, messages.DUPLICATE_CALL_ID.format(call_id=call_id))
                unique = False
        self._references.add(line.reference)
        self._call_ids.update(line.call_ids)
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


class _Parser:
    """Lines checked, and made into what the store writes, here in a worker rather than in the process that
    writes (and what the store makes travels back far quicker than models)."""

    def __init__(self, validate: Validator, prepare: Prepare) -> None:
        self.validate = validate
        self.prepare = prepare

    def __call__(self, chunk: Chunk) -> Parsed:
        parsed: Parsed = []
        for number, raw in chunk:
            ticket, problems = self._line(raw)
            if ticket is None:
                parsed.append((number, problems))
            else:
                parsed.append(Line(number, ticket.reference, ticket.call_ids, self.prepare(ticket)))
        return parsed

    def _line(self, raw: bytes) -> tuple[Ticket | None, list[tuple[int, str]]]:
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
            imported = self.validate(ImportedTicket, data)
            kb = self.validate.kb
            ticket = ticket_from_payload(imported.reference, imported, kb, prefix=("ticket",))
            return imported_updates(ticket, imported.updates, prefix=("ticket",)), []
        except Invalid as error:
            return None, [(1, problem.describe()) for problem in error.problems]


# A worker process's parser, made once when it starts (a process pool's initializer has nowhere else to put it).
_worker: _Parser | None = None


def _start(kb: KnowledgeBase, prepare: Prepare) -> None:

    global _worker
    _worker = _Parser(Validator(kb), prepare)


def _parse_in_worker(chunk: Chunk) -> Parsed:
    assert _worker is not None
    return _worker(chunk)


def progress_stream() -> IO[str] | None:
    """Progress goes to a terminal only: piped output and logs stay clean."""
    return sys.stderr if sys.stderr.isatty() else None
