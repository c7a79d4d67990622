"""French spacing as a French reader expects it: where a page's text lacks a no-break space (the help center's
pages and the service's alike)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

NBSP, NNBSP = "\u00a0", "\u202f"
_INLINE = {"a", "abbr", "b", "bdi", "cite", "code", "em", "i", "kbd", "mark", "q", "s", "samp", "small", "span",
           "strong", "sub", "sup", "time", "u", "var", "label", "del", "ins"}  # fmt: skip
_UNREAD = {"script", "style", "svg", "pre", "textarea", "template"}
_CODE = {"code", "kbd", "samp"}
_READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
_NOT_PROSE = re.compile(r"\b(?:https?|mailto|tel):\S+|\bwww\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A stand-in for code: not a space, not a sign, so that "`code` :" is judged like "word :".
_CODE_MARK = "\ue000"


class _ReadText(HTMLParser):
    """What a person reads on a page: its text, a line at a time (inline elements continue a line, any other
    element starts a new one), and the attributes a person reads."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.attributes: list[str] = []
        self.unread = 0
        self.code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes += [value for name, value in attrs if name in _READ_ATTRIBUTES and value]
        if tag in _UNREAD:
            self.unread += 1
        elif tag in _CODE:
            self.code += 1
            self.lines[-1] += _CODE_MARK
        elif tag not in _INLINE:
            self.lines.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in _UNREAD:
            self.unread = max(0, self.unread - 1)
        elif tag in _CODE:
            self.code = max(0, self.code - 1)
        elif tag not in _INLINE:
            self.lines.append("")

    def handle_data(self, data: str) -> None:
        if not self.unread and not self.code:
            self.lines[-1] += data


def spacing_mistakes(text: str) -> list[str]:
    """Each place where French wants a no-break space (narrow before ; ? !, plain before : and inside « », in
    times like 16 h 28) and the text has a space a line may break at, another space, or none."""
    text = _NOT_PROSE.sub(_CODE_MARK, re.sub(r"[\n\t\r]", " ", text))
    found = []

    def near(at: int) -> str:
        return repr(text[max(0, at - 30) : at + 12])

    for match in re.finditer(r"[;?!:]", text):
        at, sign = match.start(), match.group(0)
        before = text[:at].rstrip(" ")
        if not before or before[-1] in "([«?!;:":
            continue  # a line that starts with a sign, "(?)", "?!"
        if sign == ":" and text[at - 1 : at].isdigit() and text[at + 1 : at + 2].isdigit():
            continue  # a time: 14:05
        wanted = NBSP if sign == ":" else NNBSP
        if text[at - 1] != wanted:
            found.append(f"« {sign} » without {wanted!r} before it: {near(at)}")
    for match in re.finditer("«", text):
        if text[match.end() : match.end() + 1] not in ("", NBSP):
            found.append(f"« without a no-break space after it: {near(match.start())}")
    for match in re.finditer("»", text):
        if text[: match.start()].rstrip(" ") and text[match.start() - 1] != NBSP:
            found.append(f"» without a no-break space before it: {near(match.start())}")
    for match in re.finditer(r"(?=\d h\b|\bh \d)", text):
        found.append(f"a time a line may break in: {near(match.start())}")
    return found


def page_mistakes(html: str) -> list[str]:
    """spacing_mistakes over an HTML page's text a person reads: text nodes, and the attributes read aloud."""
    reader = _ReadText()
    reader.feed(html)
    return [found for text in [*reader.lines, *reader.attributes] for found in spacing_mistakes(text)]
