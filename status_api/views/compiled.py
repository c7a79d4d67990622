"""The ticket answer's HTML made quick: its templates rendered once per shape, then filled per answer.

A shape is every choice a template makes: which step and team, which blocks it shows, what each update moved.
The values are what differs between tickets of one shape: the reference, dates, texts, a count. Rendered once
with marked values and cut at the marks, a shape's pieces are then joined with each answer's escaped values,
where Jinja took some 80 µs a ticket. Two templates, two kinds of shape: the answer without its list of
updates (ticket.html), and the list (ticket_updates.html), whose shapes would otherwise multiply the answer's.

The templates stay the one place of the markup: tests hold the result to Jinja's own rendering, byte for
byte, over generated tickets (tests/status_api/test_compiled.py).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from markupsafe import Markup, escape

from status_api.views.tickets import DateView, TicketView

# SUB, a control character: no text of ours holds one (they are refused on the way in, and kb texts hold none).
_MARK = "\x1a"
_MARKS = re.compile(f"{_MARK}([0-9]+){_MARK}")
# Shapes kept at once, of each kind: the data allows a few hundred in practice.
SHAPES = 2048

Render = Callable[[TicketView, Markup], str]  # the answer, around an updates section given as markup
RenderSection = Callable[[TicketView], str]


class CompiledTickets:
    def __init__(self, render: Render, render_section: RenderSection, shapes: int = SHAPES) -> None:
        self._answers = _Shapes(lambda view: render(_marked(view, section=True), Markup(_mark(0))), shapes)
        self._sections = _Shapes(lambda view: render_section(_marked(view, section=False)), shapes)

    def html(self, view: TicketView) -> str:
        section = self._sections.fill(_section_shape(view), view, _section_values(view))
        return self._answers.fill(_answer_shape(view), view, [Markup(section), *_answer_values(view)])

    def __len__(self) -> int:
        return len(self._answers) + len(self._sections)


class _Shapes:
    """Compiled pieces by shape, least recently used dropped first."""

    def __init__(self, compile_text: Callable[[TicketView], str], size: int) -> None:
        self._text = compile_text
        self._size = size
        self._pieces: OrderedDict[Hashable, tuple[list[str], list[int]]] = OrderedDict()

    def fill(self, key: Hashable, view: TicketView, values: list[Any]) -> str:
        compiled = self._pieces.get(key)
        if compiled is None:
            compiled = self._pieces[key] = _cut(self._text(view))
            if len(self._pieces) > self._size:
                self._pieces.popitem(last=False)
        pieces, slots = compiled
        escaped = [str(escape(value)) for value in values]  # markup (the section) stays as it is
        parts = [pieces[0]]
        for slot, piece in zip(slots, pieces[1:], strict=True):
            parts += (escaped[slot], piece)
        return "".join(parts)

    def __len__(self) -> int:
        return len(self._pieces)


def _cut(text: str) -> tuple[list[str], list[int]]:
    pieces, slots, last = [], [], 0
    for match in _MARKS.finditer(text):
        pieces.append(text[last : match.start()])
        slots.append(int(match.group(1)))
        last = match.end()
    pieces.append(text[last:])
    return pieces, slots


def _mark(number: int) -> str:
    return f"{_MARK}{number}{_MARK}"


def _answer_shape(view: TicketView) -> Hashable:
    """Every choice ticket.html makes for this view, but the updates section's."""
    window, next_update, incident = view.window, view.next_update, view.incident
    latest = incident.latest_update if incident else None
    return (
        view.issue_type.id,
        view.issue_type.url,
        view.step.id,
        view.team.id,
        tuple((step.id, step.state) for step in view.progress),
        view.prioritised,
        view.resolved is not None,
        (window.label, window.passed, window.confirmed) if window else None,
        (next_update.wording, next_update.late, next_update.confirmed) if next_update else None,
        (
            incident.ongoing,
            incident.state.id,
            latest is not None,
            latest.state.id if latest and latest.state else None,
            latest.text is None if latest else None,
        )
        if incident
        else None,
    )


def _section_shape(view: TicketView) -> Hashable:
    """Every choice ticket_updates.html makes: what each update moved, whether it has a text, older ones."""
    moves = tuple(
        (update.step.id if update.step else None, update.team.id if update.team else None, update.text is None)
        for update in view.updates
    )
    return moves, min(view.older_updates, 2)


def _answer_values(view: TicketView) -> list[Any]:
    """What differs between answers of one shape, numbered from 1 (0 is the updates section) in _marked's order."""
    window, next_update, incident = view.window, view.next_update, view.incident
    latest = incident.latest_update if incident else None
    values: list[Any] = [view.reference, view.opened.text, view.resolved.text if view.resolved else None]
    values += [window.start.text, window.end.text] if window else [None, None]
    values.append(next_update.at.text if next_update else None)
    if incident:
        values += [incident.title, incident.url, latest.at.text if latest else None, latest.text if latest else None]
    return values


def _section_values(view: TicketView) -> list[Any]:
    values: list[Any] = []
    for update in view.updates:
        values += [update.at.text, update.text]
    values.append(view.older_updates)
    return values


class _Count(int):
    """A number that the template compares and tests as itself, and prints as its mark."""

    mark: str

    def __new__(cls, value: int, mark: str) -> _Count:
        count = int.__new__(cls, value)
        count.mark = mark
        return count

    def __str__(self) -> str:
        return self.mark


def _marked(view: TicketView, *, section: bool) -> TicketView:
    """A copy of `view` whose values are marks, numbered as _answer_values() (from 1, `section`) or
    _section_values() (from 0) list them. Copies are not validated: marks go where the view has text."""
    numbers = iter(range(1 if section else 0, 1_000_000))

    def mark(present: bool = True) -> str | None:
        # Every value takes its number, there or not, so that numbers follow the values' lists.
        number = next(numbers)
        return _mark(number) if present else None

    def date(value: DateView | None) -> Any:
        text = mark(value is not None)
        return value.model_copy(update={"text": text}) if value is not None else None

    if not section:
        updates = [
            update.model_copy(update={"at": date(update.at), "text": mark(update.text is not None)})
            for update in view.updates
        ]
        return view.model_copy(update={"updates": updates, "older_updates": _Count(view.older_updates, str(mark()))})

    window, next_update, incident = view.window, view.next_update, view.incident
    changes: dict[str, Any] = {"reference": mark(), "opened": date(view.opened), "resolved": date(view.resolved)}
    start, end = date(window.start if window else None), date(window.end if window else None)
    if window:
        changes["window"] = window.model_copy(update={"start": start, "end": end})
    due = date(next_update.at if next_update else None)
    if next_update:
        changes["next_update"] = next_update.model_copy(update={"at": due})
    if incident:
        latest = incident.latest_update
        title, url = mark(), mark()
        at = date(latest.at if latest else None)
        text = mark(latest is not None and latest.text is not None)
        changes["incident"] = incident.model_copy(
            update={
                "title": title,
                "url": url,
                "latest_update": latest.model_copy(update={"at": at, "text": text}) if latest else None,
            }
        )
    return view.model_copy(update=changes)
