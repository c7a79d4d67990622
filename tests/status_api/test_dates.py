from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from status_api.views.dates import french_date, french_datetime

PARIS = ZoneInfo("Europe/Paris")


def test_a_date_and_time_in_french_in_the_site_time_zone() -> None:
    assert (
        french_datetime(datetime(2026, 11, 24, 13, 5, tzinfo=UTC), PARIS)
        == "mardi 24\u00a0novembre 2026 à 14\u00a0h\u00a005"
    )


def test_summer_time_is_applied() -> None:
    assert (
        french_datetime(datetime(2026, 7, 14, 22, 30, tzinfo=UTC), PARIS)
        == "mercredi 15\u00a0juillet 2026 à 0\u00a0h\u00a030"
    )


def test_the_first_of_the_month_is_1er() -> None:
    assert french_date(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), PARIS) == "mardi 1er\u00a0décembre 2026"
    assert french_date(datetime(2026, 8, 15, 9, 0, tzinfo=UTC), PARIS) == "samedi 15\u00a0août 2026"
