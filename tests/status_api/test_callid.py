from __future__ import annotations

import pytest

from kb_build.model import KnowledgeBase
from status_api.domain.callid import mask, normalise, parse


@pytest.mark.parametrize(
    "pasted",
    [
        "20250312143015487296",
        "2025 0312 1430 1548 7296",
        "2025-0312-1430-1548-7296",
        " 2025\u00a00312\u202f1430\t1548 7296 \n",
        "2025\u20110312\u20131430\u20141548\u22127296",
    ],
)
def test_spaces_and_dashes_a_customer_pastes_are_removed(kb: KnowledgeBase, pasted: str) -> None:
    assert parse(pasted, kb.site.call_id) == "20250312143015487296"


def test_a_call_id_stays_a_string_with_its_leading_zeros(kb: KnowledgeBase) -> None:
    call_id = parse("0000 1234 5678 9012 3456", kb.site.call_id)
    assert call_id == "00001234567890123456"
    assert isinstance(call_id, str)


@pytest.mark.parametrize(
    "pasted",
    ["", "   ", "abc", "2025.0312.1430.1548.7296", "2025031214301548729x", "+33 1 00 00 00 00", "٢٠٢٥٠٣١٢١٤٣٠١٥٤٨٧٢٩٦"],
)
def test_anything_else_is_not_a_call_id(kb: KnowledgeBase, pasted: str) -> None:
    assert parse(pasted, kb.site.call_id) is None


def test_the_length_comes_from_site_yml(kb: KnowledgeBase) -> None:
    fmt = kb.site.call_id
    assert parse("1" * fmt.min_digits, fmt) == "1" * fmt.min_digits
    assert parse("1" * fmt.max_digits, fmt) == "1" * fmt.max_digits
    assert parse("1" * (fmt.min_digits - 1), fmt) is None
    assert parse("1" * (fmt.max_digits + 1), fmt) is None


def test_normalise_keeps_everything_but_separators() -> None:
    assert normalise("12 ab-34") == "12ab34"


def test_logs_see_only_the_last_four_digits() -> None:
    assert mask("20250312143015487296") == "…7296"
    assert mask("123") == "…"
