"""Dates written in the answer's language, in the site's time zone: « mardi 24 novembre 2026 à 14 h 05 »,
"Tuesday 24 November 2026 at 2:05 pm"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_datetime_format

# Day and month names are the language's, not content a writer edits: they live here, not in YAML.
_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def french_date(moment: datetime, zone: tzinfo) -> str:
    return _date(moment.astimezone(zone))


def french_datetime(moment: datetime, zone: tzinfo) -> str:
    return f"{french_date(moment, zone)} à {french_time(moment, zone)}"


def french_time(moment: datetime, zone: tzinfo) -> str:
    local = moment.astimezone(zone)
    # No-break spaces hold the time together (« 16 h 28 » never splits across lines) and the day with its month.
    return f"{local.hour}\u00a0h\u00a0{local.minute:02d}"


def _date(local: datetime) -> str:
    day = "1er" if local.day == 1 else local.day
    return f"{_DAYS[local.weekday()]} {day}\u00a0{_MONTHS[local.month - 1]} {local.year}"


# English the British way, as data/en writes its times ("9 am to 6 pm"): "Wednesday 25 November 2026 at 8:05 pm".
_EN_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def english_date(moment: datetime, zone: tzinfo) -> str:
    local = moment.astimezone(zone)
    return f"{_EN_DAYS[local.weekday()]} {local.day}\u00a0{_EN_MONTHS[local.month - 1]} {local.year}"


def english_time(moment: datetime, zone: tzinfo) -> str:
    local = moment.astimezone(zone)
    hour = local.hour % 12 or 12
    return f"{hour}:{local.minute:02d}\u00a0{'am' if local.hour < 12 else 'pm'}"


def english_datetime(moment: datetime, zone: tzinfo) -> str:
    return f"{english_date(moment, zone)} at {english_time(moment, zone)}"


@dataclass(frozen=True)
class Dates:
    """How one language writes a day, a time, and both."""

    date: Callable[[datetime, tzinfo], str]
    time: Callable[[datetime, tzinfo], str]
    datetime: Callable[[datetime, tzinfo], str]


FRENCH = Dates(french_date, french_time, french_datetime)
ENGLISH = Dates(english_date, english_time, english_datetime)


@lru_cache(maxsize=32)
def dates_in(language: str) -> Dates:
    """French and English as written above; any other language of site.yml the way its locale's data (Babel's
    CLDR) writes it, so that a language added in data/ alone gets its own dates with no code."""
    primary = language.split("-")[0].lower()
    if primary == "fr":
        return FRENCH
    if primary == "en":
        return ENGLISH
    try:
        locale = Locale.parse(language.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return ENGLISH

    def day(moment: datetime, zone: tzinfo) -> str:
        return format_date(moment.astimezone(zone), format="full", locale=locale)

    def time(moment: datetime, zone: tzinfo) -> str:
        return format_time(moment.astimezone(zone), format="short", locale=locale)

    def both(moment: datetime, zone: tzinfo) -> str:
        pattern = str(get_datetime_format("long", locale=locale))
        return pattern.replace("{1}", day(moment, zone)).replace("{0}", time(moment, zone))

    return Dates(day, time, both)
