"""What a submitted form holds, read once the same way by every handler: text fields, ticked
boxes, whole numbers, dates. A value no honest browser sends (a number that is not one, a date
left empty) is refused with the French sentence the form shows, as a service would refuse it."""

from __future__ import annotations

from datetime import date

from cityviz.services.errors import InvalidInput


def text(form: dict, key: str) -> str:
    return str(form.get(key, ""))


def texts(form: dict, *keys: str) -> dict[str, str]:
    """{key: text} for the keys named: the keyword arguments of a service call."""
    return {key: text(form, key) for key in keys}


def ticked(form: dict, prefix: str) -> list[int]:
    """The ids of the ticked boxes named `<prefix>-<id>`."""
    return [int(key.split("-")[1]) for key, value in form.items() if key.startswith(f"{prefix}-") and value]


def whole(form: dict, key: str, message: str) -> int:
    """A whole number; an empty field is 0."""
    try:
        return int(form.get(key) or 0)
    except ValueError as exc:
        raise InvalidInput(message, field=key) from exc


def date_field(form: dict, key: str, message: str, *, default: str | None = None) -> date:
    """A date field (YYYY-MM-DD, as date inputs send it); `default` stands for an empty one."""
    try:
        return date.fromisoformat(str(form.get(key) or default))
    except ValueError as exc:
        raise InvalidInput(message, field=key) from exc
