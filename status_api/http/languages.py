"""The client's language, from its Accept-Language header, among the help center's (data/site.yml's languages).

French (the source) when the header is missing, names no language of ours, or cannot be read: every answer
is then the one the service gave before it spoke other languages.
"""

from __future__ import annotations

from functools import lru_cache

VARY = (b"vary", b"Accept-Language")


def negotiate(header: str, languages: tuple[str, ...]) -> str:
    """The language of `languages` (the first is the default) the header prefers: "en-GB,en;q=0.8" -> "en"."""
    return _negotiate(header[:200], languages)


@lru_cache(maxsize=256)
def _negotiate(header: str, languages: tuple[str, ...]) -> str:
    known = {code.lower(): code for code in languages}
    best, best_q = languages[0], 0.0
    for item in header.split(","):
        tag, _, params = item.strip().partition(";")
        tag = tag.strip().lower()
        q = _quality(params)
        if not tag or q <= 0:
            continue
        # The exact tag first (pt-br), else its primary language (en-gb -> en); "*" is the default.
        code = known.get(tag) or known.get(tag.split("-")[0]) or (languages[0] if tag == "*" else None)
        # Equal weights keep the header's order: the first listed wins.
        if code is not None and q > best_q:
            best, best_q = code, q
    return best


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                q = float(value)
            except ValueError:
                return 0.0
            return q if 0 <= q <= 1 else 0.0
    return 1.0


def language_of(headers: list[tuple[bytes, bytes]], languages: tuple[str, ...]) -> str:
    """The language a request's raw ASGI headers ask for."""
    if len(languages) == 1:
        return languages[0]
    for name, value in headers:
        if name == b"accept-language":
            return negotiate(value.decode("latin-1"), languages)
    return languages[0]


def language_headers(code: str) -> tuple[tuple[bytes, bytes], ...]:
    """What an answer that depends on the language says of it."""
    return ((b"content-language", code.encode("ascii")), VARY)


def language_header_dict(code: str) -> dict[str, str]:
    """The same, for a Starlette response's headers."""
    return {"Content-Language": code, "Vary": "Accept-Language"}
