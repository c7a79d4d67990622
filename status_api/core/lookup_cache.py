"""Recent lookup answers, kept while the database is unchanged and no deadline in the answer has passed."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from status_api.views.tickets import TicketView

_R = TypeVar("_R")


@dataclass
class Entry:
    """One call ID's answer: the ticket's view (None when there is no ticket) and its renderings, made once."""

    view: TicketView | None
    version: Hashable
    expires: datetime | None
    renderings: dict[str, Any] = field(default_factory=dict)

    def rendered(self, kind: str, render: Callable[[], _R]) -> _R:
        """`render()` the first time this answer is asked for as `kind` (JSON, HTML), the kept result after."""
        if kind not in self.renderings:
            self.renderings[kind] = render()
        result: _R = self.renderings[kind]
        return result


class LookupCache:
    """A bounded LRU of answers by call ID.

    An entry is good while the store's version is the one it was read at (any committed write, from this
    process or another, changes it) and until the first moment its view would read differently: the end of
    the resolution window or the time the next update is due.
    """

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        # How often an answer came from here: what any throughput figure of the lookup must be read beside.
        self.hits = 0
        self.misses = 0

    def get(self, call_id: str, version: Hashable, clock: Callable[[], datetime]) -> Entry | None:
        """The entry, if still good; the time is read only for an entry that has a deadline."""
        entry = self._entries.get(call_id)
        if entry is None:
            self.misses += 1
            return None
        if entry.version != version or (entry.expires is not None and clock() >= entry.expires):
            del self._entries[call_id]
            self.misses += 1
            return None
        self._entries.move_to_end(call_id)
        self.hits += 1
        return entry

    def put(self, call_id: str, entry: Entry) -> Entry:
        if self.max_entries <= 0:
            return entry
        self._entries[call_id] = entry
        self._entries.move_to_end(call_id)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return entry

    def __len__(self) -> int:
        return len(self._entries)


def expires(view: TicketView | None, now: datetime) -> datetime | None:
    """When `view` stops being true by itself: the window ends or an update falls due (None: it stays true)."""
    if view is None:
        return None
    deadlines = []
    if view.window is not None and not view.window.passed:
        deadlines.append(view.window.end.at)
    if view.next_update is not None and not view.next_update.late:
        deadlines.append(view.next_update.at.at)
    future = [moment for moment in deadlines if moment > now]
    return min(future) if future else None
