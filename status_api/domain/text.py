"""Text as people send it: which characters are spaces, which are never text, and one pattern for both.

The classes are written with \\u escapes, valid in Python and in ECMA regexes alike, so that the OpenAPI
document's patterns say exactly what the service checks (JSON Schema patterns are ECMA regexes).
"""

from __future__ import annotations

import re

# JavaScript's \s: the spaces a JSON client knows; Python's str.isspace() differs at the edges (U+0085, U+FEFF).
SPACES = (
    "\t\n\u000b\f\r \u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
SPACE_CLASS = r"[\t\n\u000b\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
# Control characters, but for tabs and line breaks: no person types them, and XML (the feed) cannot carry them.
_CONTROL_CLASS = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f"
CONTROL = re.compile(f"[{_CONTROL_CLASS}]")
# Some character that is not a space, and no control character anywhere.
TEXT_PATTERN = f"^[^{_CONTROL_CLASS}]*[^{SPACE_CLASS[1:-1]}{_CONTROL_CLASS}][^{_CONTROL_CLASS}]*$"


def strip(value: str) -> str:
    return value.strip(SPACES)
