"""French formats for dates, times and money (babel), used at the edges."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date as _babel_date
from babel.numbers import format_currency

from cityviz.clock import PARIS

LOCALE = "fr_FR"


def format_money(cents: int) -> str:
    """1234 -> '12,34 €', 123456 -> '1 234,56 €': exactly babel's fr_FR euro format
    (narrow no-break space between thousands, no-break space before €), computed
    on integers — babel itself is slow for thousands of invoices and needs a float."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(int(cents)), 100)
    return f"{sign}{euros:,}".replace(",", "\u202f") + f",{rest:02d}\xa0€"


def format_money_babel(cents: int) -> str:
    """The reference implementation (tests check `format_money` against it)."""
    return format_currency(cents / 100, "EUR", locale=LOCALE)


def format_date(value: date) -> str:
    """24/10/2024"""
    return value.strftime("%d/%m/%Y")


SHORT_DAY_NAMES = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")


def format_short_day(value: date) -> str:
    """'lun. 05/10/2026' (lists of dates: bulk booking, occupancy, rosters)."""
    return f"{SHORT_DAY_NAMES[value.weekday()]} {format_date(value)}"


def format_datetime(value: datetime) -> str:
    """24/10/2024 à 14:05, Paris time."""
    local = value.astimezone(PARIS)
    return f"{local:%d/%m/%Y} à {local:%H:%M}"


def format_long_date(value: date) -> str:
    """'jeudi 24 octobre 2024'"""
    return _babel_date(value, format="EEEE d MMMM y", locale=LOCALE)


def format_month(value: date) -> str:
    """'sept. 2024' as on the invoices of the guide."""
    return _babel_date(value, format="MMM y", locale=LOCALE)
