"""What every command shares: its failures, and the data and the store for one command."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from kb_build import DataError, load
from kb_build.model import KnowledgeBase
from status_api.cli import database
from status_api.config import Settings
from status_api.core import Core
from status_api.domain.records import R, Written


class Failed(Exception):
    """A command that cannot be done: the lines to print, without a traceback."""

    def __init__(self, *lines: str) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def knowledge_base(settings: Settings) -> KnowledgeBase:
    try:
        return load(settings.data_dir)
    except DataError as error:
        raise Failed(*error.report()) from None


@contextmanager
def core_for(settings: Settings, *, creating: bool = False) -> Iterator[Core]:
    """The use cases' context for one command: the data, and the store, closed whatever happens. Unless the
    command adds records (`creating`), the database must exist already: a mistyped STATUS_API_DB would
    otherwise make an empty one, and the command would report on it as if it were the real one."""
    if not creating:
        database.must_exist(settings)
    kb = knowledge_base(settings)
    store = database.opened(settings, recent_updates=kb.tracking.updates_shown)
    try:
        yield Core(kb, store)
    finally:
        store.close()


def create(
    settings: Settings,
    put: Callable[..., Written[R]],
    reference: str,
    payload: dict[str, Any],
    say: Callable[[Core, R], str],
) -> None:
    """Create a record as the API's PUT with If-None-Match: * does (created, never replaced), and print what
    `say` makes of it."""
    with core_for(settings, creating=True) as core:
        message = say(core, put(core, reference, payload, if_absent=True).record)
    print(message)


def add_reference_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help: str,
    command: Callable[[argparse.Namespace, Settings], None],
    *arguments: str,
) -> None:
    """A subcommand that takes a record's reference (and these other positional arguments), no option."""
    parser = commands.add_parser(name, help=help)
    parser.add_argument("reference")
    for argument in arguments:
        parser.add_argument(argument)
    parser.set_defaults(command=command)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
