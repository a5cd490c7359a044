"""The one clock of the application.

Everything asks `clock.now()`; tests freeze it with time-machine, and a server
started with CITYVIZ_FAKE_NOW (an ISO date-time) runs as if it had been
started at that moment, its clock then moving at normal speed — used by the
browser tests and for demonstrations of a given month.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from cityviz import config

PARIS = ZoneInfo("Europe/Paris")
UTC = timezone.utc


@functools.cache
def _offset() -> timedelta:
    fake = config.get().fake_now
    if not fake:
        return timedelta(0)
    moment = datetime.fromisoformat(fake)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=PARIS)
    return moment - datetime.now(UTC)


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC) + _offset()


def today() -> date:
    """Today's date in Paris (where the families live)."""
    return now().astimezone(PARIS).date()


def to_paris(moment: datetime) -> datetime:
    return moment.astimezone(PARIS)


def paris_datetime(day: date, hour: int = 0, minute: int = 0) -> datetime:
    """A wall-clock time in Paris as an aware datetime (DST handled by zoneinfo)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)
