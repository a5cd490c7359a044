"""What comes from a form, made safe once: trimmed text of bounded length,
names, amounts in euros turned into integer cents (never through a float)."""

from __future__ import annotations

import calendar
from datetime import date

from cityviz.services.errors import InvalidInput


def clean(value: object, max_length: int) -> str:
    """Whitespace collapsed and cut: only for text no one typed (a file's name). Typed text goes
    through `bounded`, which refuses what is too long instead of cutting it."""
    return " ".join(str(value or "").split())[:max_length]


def _count(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")  # 5 000, as French writes it


def bounded(value: object, max_length: int, label: str, field: str, *, multiline: bool = False) -> str:
    """Text typed in a form field, trimmed: on one line (inner whitespace collapsed) or, with
    `multiline`, as paragraphs (line ends normalised). Longer than `max_length` (the size of its
    column): refused with a French message naming the field (`label`, capitalised), never cut."""
    raw = str(value or "")
    if len(raw) > 4 * max_length + 1000:  # hopeless: do not even tidy it
        raise InvalidInput(f"{label} : {_count(max_length)} caractères au maximum.", field=field)
    if multiline:
        lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        text = "\n".join(line.rstrip() for line in lines).strip()
    else:
        text = " ".join(raw.split())
    if len(text) > max_length:
        raise InvalidInput(f"{label} : {_count(max_length)} caractères au maximum ({_count(len(text))} saisis).",
                           field=field)
    return text


def require_name(value: object, label: str, field: str) -> str:
    text = clean(value, 200)
    if not text:
        raise InvalidInput(f"Indiquez le {label}.", field=field)
    if len(text) > 80:
        raise InvalidInput(f"Le {label} ne peut pas dépasser 80 caractères.", field=field)
    return text


def parse_euros(text: str, field: str) -> int:
    """'1,20' or '1.20' or '1' -> 120 cents (no float on the way)."""
    raw = str(text or "").strip().replace("€", "").replace(" ", "").replace("\u202f", "").replace(",", ".")
    whole, _, decimals = raw.partition(".")
    if not digits(whole) or (decimals and (not digits(decimals) or len(decimals) > 2)):
        raise InvalidInput("Montant invalide (exemple : 2,50).", field=field)
    return int(whole) * 100 + int((decimals or "0").ljust(2, "0"))


def digits(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts '²', which int() refuses."""
    return text.isascii() and text.isdigit()


def month_bounds(month: str) -> tuple[date, date]:
    """'2026-09' -> (01/09/2026, 30/09/2026)."""
    try:
        year, number = (int(x) for x in month.split("-"))
        start = date(year, number, 1)
    except ValueError as exc:
        raise InvalidInput("Mois invalide (exemple : 2026-09).", field="month") from exc
    return start, date(year, number, calendar.monthrange(year, number)[1])
