"""What a helpdesk's public comment keeps once customers may read it (domain/helpdesk.py public_comment)."""

from __future__ import annotations

import pytest

from status_api.domain.helpdesk import public_comment


@pytest.mark.parametrize(
    "contact",
    [
        "06 12 34 56 78",
        "+33 6 12 34 56 78",
        "+1 (415) 555-2671",
        "415-555-2671",
        "07700 900123",
        "612 345 678",
        "0033612345678",
        "+44 20 7946 0958",
        "jean.dupont@example.com",
        "jane@[10.0.0.1]",
    ],
)
def test_phone_numbers_and_addresses_are_taken_out(contact: str) -> None:
    assert public_comment(f"Joignez-nous au {contact}, merci.") == "Joignez-nous au […], merci."


@pytest.mark.parametrize(
    "kept",
    [
        "Call ID 20261124120000000001",
        "ticket RGV-2026-0101",
        "le 03/12/2026 à 14:05",
        "1 000 000 appels",
        "version 10.4.2",
        "mardi 24 novembre 2026",
    ],
)
def test_what_is_not_a_phone_number_is_kept(kept: str) -> None:
    assert public_comment(f"Au sujet de {kept}.") == f"Au sujet de {kept}."
