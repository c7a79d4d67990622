"""French typography: the non-breaking spaces French wants, added to texts and to HTML pages, never twice.

French puts a narrow no-break space (U+202F) before ; ? ! and a no-break space (U+00A0) before : and inside
« », so that the sign never starts a line; a number keeps its unit or the word it counts (« 20 chiffres »,
« 16 h 28 »), and a long number its groups of digits. Writers type ordinary spaces, or none: these functions
put the right ones, and leave alone what is not prose: code, URLs, e-mail addresses, HTML tags and their
attributes, Markdown link targets, entities, times such as 14:05.
"""

from __future__ import annotations

import html
import re

NBSP = "\u00a0"  # before « : », inside « », between a number and its unit
NNBSP = "\u202f"  # before « ; ? ! », before %, between groups of digits

Span = tuple[int, int]
Edit = tuple[int, int, str]  # replace text[start:end] with the string

_SPACE = " \u00a0\u202f\u2009"
# What may come right before the sign without a space and still be the end of a word (letters, digits, closing
# marks, the end of Markdown emphasis or code): a space goes in between. After an opening mark, nothing does.
_OPENING = "([{«\"'\u201c\u2018/"

# Every rule's match starts with a space or one of the signs: the leading lookahead turns every other position
# away at one test, where the engine would otherwise try each alternative there. French spacing of staff's
# texts runs twice as fast (15.1 -> 7.4 µs a text of bench/traffic.py; a sharper lookahead measured slower).
_RULES = re.compile(
    rf"""
    (?=[{_SPACE};!?:«»%€])
    (?:
    (?P<space>[{_SPACE}]+)?(?P<sign>[;!?]+|:)
    | (?P<open>«)(?P<after>[{_SPACE}]*)
    | (?P<before>[{_SPACE}]*)(?P<close>»)
    | (?<=\d)(?P<unit>[ \u202f])(?=[^\W\d_])
    | (?<=\d)(?P<percent>[ \u00a0]?)(?=[%€])
    | (?<=\d)(?P<group>\ )(?=\d)
    | (?<=\d[ \u00a0]h)(?P<minutes>\ )(?=\d)
    )
    """,
    re.VERBOSE,
)

# Never touched: what is not prose, wherever it stands in a text.
# A URL's last character is not a sign: « voir https://example.com ; ou » keeps its « ; ».
_URL_END = r"[^\s<>\"')\]]*[^\s<>\"')\].,;:!?]"
_URL = rf"\b(?:https?|ftp)://{_URL_END}|\b(?:mailto|tel):{_URL_END}|\bwww\.{_URL_END}"
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_ENTITY = r"&(?:[a-zA-Z][a-zA-Z0-9]*|#[0-9]+|#[xX][0-9a-fA-F]+);"
_TEXT_PROTECTED = re.compile("|".join([_URL, _EMAIL, _ENTITY]))
# In Markdown, also: code (fenced or inline), HTML tags and comments, link targets, reference definitions,
# attribute lists ({: .class }) and emoji shortcodes (:material-clock:).
_MARKDOWN_PROTECTED = re.compile(
    "|".join(
        [
            r"^[ ]{0,3}(`{3,}|~{3,})[^\n]*\n(?:.*\n)*?[ ]{0,3}\1[^\n]*$",
            r"(`+).+?\2",
            r"<!--.*?-->",
            r"</?[A-Za-z][^>]*>",
            r"\]\([^)]*\)",
            r"^[ ]{0,3}\[[^\]\n]+\]:[^\n]*$",
            r"\{:[^}\n]*\}",
            r":[a-z0-9_+-]+:",
            _URL,
            _EMAIL,
            _ENTITY,
        ]
    ),
    re.MULTILINE | re.DOTALL,
)


SOURCE_LANGUAGE = "fr"


def is_french(language: str) -> bool:
    """Whether a language (a code such as "fr", "fr-CA", "en") takes the French spacing rules."""
    return language.split("-")[0].lower() == "fr"


def spaced(text: str, language: str = SOURCE_LANGUAGE) -> str:
    """A text spaced the way its language wants: the French rules for French, the text as typed otherwise (English
    and most languages put no space before « : ; ? ! »)."""
    return french(text) if is_french(language) else text


def spaced_html(page: str, language: str = SOURCE_LANGUAGE) -> str:
    """An HTML page spaced the way its language wants (see spaced)."""
    return french_html(page) if is_french(language) else page


def colon(language: str) -> str:
    """What goes between a label and its value: « E-mail : » in French (the no-break space comes with french()),
    « E-mail: » elsewhere."""
    return " :" if is_french(language) else ":"


def spaced_colon(language: str) -> str:
    """The same, spaced already, for texts no French spacing goes over (templates, e-mails, feeds): « \u00a0: »
    in French, ":" elsewhere."""
    return NBSP + ":" if is_french(language) else ":"


def french(text: str) -> str:
    """A plain or Markdown text with French spacing: the text as a writer would have typed it in a book."""
    if not _CANDIDATE.search(text):
        return text
    return _apply(text, _edits(text, _protected(text, _MARKDOWN_PROTECTED), markdown=True))


def french_plain(text: str) -> str:
    """A plain text (no Markdown: what staff and the helpdesk send) with French spacing before signs, inside
    « » and in times; URLs, e-mail addresses and times like 14:05 are left alone. A number and the word after
    it are left as typed too: in such texts they are as often a reference and the next word (« RGV-7 ouvert »)
    as a count. Quicker than french(): it has less to keep out of prose."""
    if not _CANDIDATE.search(text):
        return text
    # Most texts hold no address at all: the protections' patterns, costly to try at every word, are spared.
    protected = _protected(text, _TEXT_PROTECTED) if _MAYBE_PROTECTED.search(text) else []
    edits = _edits(text, protected, markdown=False, numbers=False)
    return _apply(text, edits)


_TIME_HOUR = re.compile(r"h[ \u00a0]\d")
_MAYBE_PROTECTED = re.compile(r"@|://|www\.|&|mailto:|tel:")


_CANDIDATE = re.compile(r"[;:?!«»%€]|\d[ \u00a0\u202f]")


def not_prose(text: str) -> list[Span]:
    """Where a Markdown text is not prose (code, URLs, markup, link targets): spans of (start, end)."""
    return _protected(text, _MARKDOWN_PROTECTED)


def _protected(text: str, pattern: re.Pattern[str]) -> list[Span]:
    return [match.span() for match in pattern.finditer(text)]


def _inside(position: int, spans: list[Span]) -> bool:
    return any(start <= position < end for start, end in spans)


def _edits(text: str, protected: list[Span], *, markdown: bool, numbers: bool = True) -> list[Edit]:
    """Where `text` needs another space than the one it has, as (start, end, replacement), left to right."""
    edits: list[Edit] = []
    # In Markdown a line break matters (a sign at the start of a line is syntax); in HTML it is a space.
    line_start = "\n" if markdown else ""
    for match in _RULES.finditer(text):
        if match.group("sign") is not None:
            edit = _before_sign(text, match, protected, line_start)
        elif match.group("open") is not None:
            edit = _after_opening(text, match, protected, line_start)
        elif match.group("close") is not None:
            edit = _before_closing(text, match, protected, line_start)
        elif numbers or match.group("unit") is None or _TIME_HOUR.match(text, match.end()):
            # Without `numbers`: times (« 16 h 28 ») and percentages only.
            edit = _in_number(match, protected) if numbers or match.group("group") is None else None
        else:
            edit = None
        if edit is not None:
            edits.append(edit)
    return edits


def _before_sign(text: str, match: re.Match[str], protected: list[Span], line_start: str) -> Edit | None:
    sign, start = match.group("sign"), match.start("sign")
    if _inside(start, protected):
        return None
    after = text[match.end() : match.end() + 1]
    if sign.startswith("!") and after == "[":  # a Markdown image, ![text](address)
        return None
    space = match.group("space") or ""
    space_start = match.start("space") if space else start
    previous = text[space_start - 1] if space_start else ""
    if previous in ("", line_start) or (previous.isspace() and not space):
        return None  # a sign that starts a text or a line is not the end of a sentence part
    if not space and previous in _OPENING:
        return None
    if sign == ":" and not space and previous.isdigit() and after.isdigit():
        return None  # a time or a ratio: 14:05
    wanted = NBSP if sign == ":" else NNBSP
    return None if space == wanted else (space_start, start, wanted)


def _after_opening(text: str, match: re.Match[str], protected: list[Span], line_start: str) -> Edit | None:
    if _inside(match.start("open"), protected):
        return None
    following = text[match.end() : match.end() + 1]
    if following in ("", line_start) or match.group("after") == NBSP:
        return None
    return (match.start("after"), match.end("after"), NBSP)


def _before_closing(text: str, match: re.Match[str], protected: list[Span], line_start: str) -> Edit | None:
    if _inside(match.start("close"), protected):
        return None
    space = match.group("before")
    previous = text[match.start() - 1] if match.start() else ""
    if previous in ("", line_start) or space == NBSP:
        return None
    return (match.start("before"), match.end("before"), NBSP)


def _in_number(match: re.Match[str], protected: list[Span]) -> Edit | None:
    name = next(group for group in ("unit", "percent", "group", "minutes") if match.group(group) is not None)
    start, end = match.span(name)
    if _inside(start, protected) or (start == end and _inside(start - 1, protected)):
        return None
    wanted = NNBSP if name in ("percent", "group") else NBSP
    return None if match.group(name) == wanted else (start, end, wanted)


def _apply(text: str, edits: list[Edit]) -> str:
    parts: list[str] = []
    last = 0
    for start, end, replacement in edits:
        parts += (text[last:start], replacement)
        last = end
    parts.append(text[last:])
    return "".join(parts)


# --- HTML pages -------------------------------------------------------------------------------------------------

_TAG = re.compile(
    r"<!--.*?-->|<![^>]*>|<\?[^>]*>|</?([a-zA-Z][a-zA-Z0-9-]*)(?:[^>\"']|\"[^\"]*\"|'[^']*')*>", re.DOTALL
)
# Elements whose content is not prose a person reads as such: left exactly as they are.
_SKIPPED = frozenset({"script", "style", "pre", "textarea", "svg", "math", "template"})
# Inline code: left as it is, but it stands in the sentence (« `x` : » needs its space all the same).
_CODE = frozenset({"code", "kbd", "samp"})
# Elements inside a line of text: a sign may follow a link or a bold word, and needs its space then too.
_INLINE = frozenset(
    {"a", "abbr", "b", "bdi", "bdo", "cite", "data", "del", "dfn", "em", "i", "ins", "mark", "q", "s", "small",
     "span", "strong", "sub", "sup", "time", "u", "var", "wbr"} | _CODE
)  # fmt: skip
# The attributes whose value a person reads (a tooltip, a screen reader, an empty field, an image's text).
_READ_ATTRIBUTES = re.compile(r"""(\s(?:title|aria-label|placeholder|alt)\s*=\s*)(?:"([^"]*)"|'([^']*)')""")


def french_html(page: str) -> str:
    """An HTML page or fragment with French spacing in its text and in the attributes a person reads."""
    out: list[str] = []
    run: list[tuple[int, str, bool]] = []  # the current line of text: (index in out, decoded text, is code)
    position = 0
    for tag in _TAG.finditer(page):
        if tag.start() < position:
            continue  # inside an element skipped whole
        _text(page[position : tag.start()], out, run)
        name = (tag.group(1) or "").lower()
        closing = tag.group(0).startswith("</")
        if name in _SKIPPED and not closing:
            _flush(out, run)
            end = _closing_tag(page, name, tag.end())
            out.append(page[tag.start() : end])
            position = end
            continue
        if name in _CODE and not closing:
            end = _closing_tag(page, name, tag.end())
            inner = page[tag.end() : end]
            out.append(page[tag.start() : end])
            run.append((len(out) - 1, html.unescape(re.sub(r"<[^>]*>", "", inner)), True))
            position = end
            continue
        if name not in _INLINE:
            _flush(out, run)
        out.append(_attributes(tag.group(0)) if name else tag.group(0))
        position = tag.end()
    _text(page[position:], out, run)
    _flush(out, run)
    return "".join(out)


def _closing_tag(page: str, name: str, start: int) -> int:
    found = re.compile(rf"</{name}\s*>", re.IGNORECASE).search(page, start)
    return found.end() if found else len(page)


def _text(raw: str, out: list[str], run: list[tuple[int, str, bool]]) -> None:
    if raw:
        out.append(raw)
        run.append((len(out) - 1, html.unescape(raw), False))


def _flush(out: list[str], run: list[tuple[int, str, bool]]) -> None:
    """Space the line of text just ended as one string, then hand each piece of it its own edits."""
    if not any(not code and _CANDIDATE.search(text) for _, text, code in run):
        run.clear()
        return
    joined = "".join(text for _, text, _ in run)
    spans, protected, offset = [], _protected(joined, _TEXT_PROTECTED), 0
    for _, text, code in run:
        spans.append((offset, offset + len(text)))
        if code:
            protected.append((offset, offset + len(text)))
        offset += len(text)
    codes = [code for _, _, code in run]
    mine: list[list[Edit]] = [[] for _ in run]
    for start, end, replacement in _edits(joined, protected, markdown=False):
        if start == end:
            owner = _insertion_owner(start, spans, codes)
            if owner is not None:
                base = spans[owner][0]
                mine[owner].append((start - base, start - base, replacement))
            continue
        # A run of spaces replaced: each piece it crosses loses its part, the first one holds the replacement.
        crossed = [i for i, (a, b) in enumerate(spans) if a < end and b > start]
        if any(codes[i] for i in crossed):
            continue  # spaces inside code stay as they are
        for order, i in enumerate(crossed):
            a, b = spans[i]
            mine[i].append((max(start, a) - a, min(end, b) - a, replacement if order == 0 else ""))
    for (index, text, code), edits in zip(run, mine, strict=True):
        if edits and not code:
            out[index] = html.escape(_apply(text, edits), quote=False)
    run.clear()


def _insertion_owner(at: int, spans: list[Span], codes: list[bool]) -> int | None:
    """The piece that takes a space inserted at `at`: the one it falls in, or at a boundary the piece after it,
    unless that one is code (then the piece before it)."""
    for i, (start, end) in enumerate(spans):
        if start < at < end:
            return None if codes[i] else i
        if start == at and start < end and not codes[i]:
            return i
    for i in range(len(spans) - 1, -1, -1):
        start, end = spans[i]
        if end == at and start < end and not codes[i]:
            return i
    return None


def _attributes(tag: str) -> str:
    if "=" not in tag:
        return tag

    def spaced(match: re.Match[str]) -> str:
        quote = '"' if match.group(2) is not None else "'"
        raw = match.group(2) if match.group(2) is not None else match.group(3)
        value = html.unescape(raw)
        fixed = _apply(value, _edits(value, _protected(value, _TEXT_PROTECTED), markdown=False))
        if fixed == value:
            return match.group(0)
        escaped = html.escape(fixed, quote=False).replace(quote, "&quot;" if quote == '"' else "&#39;")
        return f"{match.group(1)}{quote}{escaped}{quote}"

    return _READ_ATTRIBUTES.sub(spaced, tag)
