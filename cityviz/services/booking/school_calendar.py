"""French school holidays by zone (A, B, C), from `vacances-scolaires-france`
(the Ministry's calendar, shipped with the package), and public holidays."""

from __future__ import annotations

import functools
from datetime import date

from vacances_scolaires_france import SchoolHolidayDates

from cityviz.services.booking import rules

ZONES = ("A", "B", "C")
PERIODS = {"all": "Toute l'année (sauf jours fériés)", "school": "En période scolaire",
           "holidays": "Pendant les vacances scolaires"}


@functools.cache
def _calendar() -> SchoolHolidayDates:
    return SchoolHolidayDates()


@functools.lru_cache(maxsize=32)
def _holidays(zone: str, year: int) -> frozenset[date]:
    try:
        return frozenset(_calendar().holidays_for_year_and_zone(year, zone))
    except Exception:  # noqa: BLE001 — a year the shipped calendar does not cover yet
        return frozenset()


def is_school_holiday(day: date, zone: str) -> bool:
    return zone in ZONES and day in _holidays(zone, day.year)


def runs_on(day: date, period: str, zone: str) -> bool:
    """Whether an activity of this period runs on `day` (weekday and dates aside).

    Public holidays never have sessions; without a zone, school holidays are unknown
    and every day counts as term time.
    """
    if rules.is_public_holiday(day):
        return False
    if period == "school":
        return not is_school_holiday(day, zone)
    if period == "holidays":
        return is_school_holiday(day, zone)
    return True
