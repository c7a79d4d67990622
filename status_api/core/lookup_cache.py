"""Recent lookup answers, kept while the database is unchanged and no deadline in the answer has passed.

An entry keeps what the doors sent (the JSON body, the HTML fragment), never the ticket's view: a view is a
tree of a few hundred objects, and thousands of them kept alive would weigh on memory and lengthen every
garbage collection, the tail of the lookup's latency.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime

from status_api.views.tickets import TicketView


@dataclass(slots=True)
class Entry:
    """One call ID's answer: whether it has a ticket, and what each door rendered of it (by kind)."""

    found: bool
    version: Hashable
    expires: datetime | None
    renderings: dict[str, bytes] = field(default_factory=dict)


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

    def get(self, call_id: str, kind: str, version: Hashable, clock: Callable[[], datetime]) -> Entry | None:
        """The entry, if still good and it has an answer for door `kind` (a ticket's rendering, or no ticket);
        the time is read only for an entry that has a deadline."""
        entry = self._entries.get(call_id)
        if entry is not None and (entry.version != version or (entry.expires is not None and clock() >= entry.expires)):
            del self._entries[call_id]
            entry = None
        if entry is None or (entry.found and kind not in entry.renderings):
            self.misses += 1
            return None
        self._entries.move_to_end(call_id)
        self.hits += 1
        return entry

    def put(self, call_id: str, entry: Entry, kind: str | None = None, rendering: bytes | None = None) -> None:
        """Keep `entry`, with `rendering` for door `kind`; the other doors' renderings of the same answer
        (same version) stay."""
        if self.max_entries <= 0:
            return
        kept = self._entries.get(call_id)
        if kept is not None and kept.version == entry.version and kept.found == entry.found:
            entry.renderings = kept.renderings
        if kind is not None and rendering is not None:
            entry.renderings[kind] = rendering
        self._entries[call_id] = entry
        self._entries.move_to_end(call_id)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

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
