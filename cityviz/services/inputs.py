"""What comes from a form, made safe once: trimmed text of bounded length,
names, amounts in euros turned into integer cents (never through a float)."""

from __future__ import annotations

from cityviz.services.errors import InvalidInput


def clean(value: object, max_length: int) -> str:
    return " ".join(str(value or "").split())[:max_length]


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


def bounded(value: object, max_length: int, label: str, field: str) -> str:
    """Trimmed free text, refused (not cut) when longer than the column keeps."""
    text = " ".join(str(value or "").split())
    if len(text) > max_length:
        raise InvalidInput(f"{label} : {max_length} caractères au plus.", field=field)
    return text
