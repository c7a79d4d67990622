"""Call IDs as customers paste them: normalised, checked against the format in site.yml, masked in logs."""

from __future__ import annotations

import re

from kb_build.model import CallIdFormat

# What may stand between a call ID's digits: the spaces that copying from a web page or a PDF brings along
# (JavaScript's \s, listed so that the OpenAPI document's pattern says exactly this), and the hyphens and minus
# signs that word processors substitute for "-". Written with \u escapes, valid in Python and ECMA regexes.
SEPARATOR = (
    r"[\t\n\u000b\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
    r"\-\u2010-\u2015\u2212]"
)
_SEPARATORS = re.compile(SEPARATOR + "+")
_DIGITS = re.compile(r"[0-9]+", re.ASCII)


def normalise(raw: str) -> str:
    return _SEPARATORS.sub("", raw)


def parse(raw: str, call_id_format: CallIdFormat) -> str | None:
    """The call ID in canonical form (a string of digits, never an int), or None when it is not one."""
    # Most call IDs come as bare digits: no separators to take out.
    call_id = raw if raw.isascii() and raw.isdigit() else normalise(raw)
    if _DIGITS.fullmatch(call_id) and call_id_format.min_digits <= len(call_id) <= call_id_format.max_digits:
        return call_id
    return None


def pattern(call_id_format: CallIdFormat) -> str:
    """A regex of what parse() accepts, for the OpenAPI document: the digits, with separators anywhere."""
    return f"^{SEPARATOR}*(?:[0-9]{SEPARATOR}*){{{call_id_format.min_digits},{call_id_format.max_digits}}}$"


def mask(call_id: str) -> str:
    """What a log line may show of a call ID: enough to match a support request, not enough to look it up."""
    return "…" + call_id[-4:] if len(call_id) > 4 else "…"


# Any run of digits long enough to be a call ID, or most of one.
_LONG_DIGITS = re.compile(r"[0-9]{5,}", re.ASCII)


def masked_in(text: str) -> str:
    """A text for a log line (a refusal that quotes what it was sent) with every call ID in it masked."""
    return _LONG_DIGITS.sub(lambda found: mask(found.group()), text)
