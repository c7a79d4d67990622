"""Dates written the French way, in the site's time zone: "mardi 24 novembre 2026 à 14 h 05"."""

from __future__ import annotations

from datetime import datetime, tzinfo

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
