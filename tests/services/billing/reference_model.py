"""What a month should bill, written from DOMAIN.md's rules alone (no product code).

"Billed: booked and present; booked and absent without justification; present
without booking (optionally at a surcharge). Not billed: cancelled in time;
justified absence; closure." A booking not yet marked is billed as booked (the
preview lists it as an anomaly). A late booking carries the activity's late
surcharge. A unit is a session, or by the hour every hour begun. The price is
the QF band in force on the session's date; no QF on file: the band with no
ceiling. Surcharges are rounded to the cent for each session.

Facts go in as plain tuples; the answer is one invoice per organization and
household, its lines per child, activity, kind and unit price.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class ActivitySpec:
    organization_id: int
    unit: str  # meal, half_day, day, hour
    start_minutes: int
    end_minutes: int
    bands: tuple[tuple[int | None, int], ...]  # (QF ceiling or None, price in cents)
    late_percent: int
    unbooked_percent: int


@dataclass(frozen=True)
class SessionFact:
    activity_id: int
    day: date
    closed: bool


@dataclass(frozen=True)
class BookingFact:
    session_id: int
    child_id: int
    household_id: int
    status: str  # booked, waiting, cancelled
    late: bool


@dataclass(frozen=True, order=True)
class Line:
    child_id: int
    activity_id: int
    kind: str  # "", "late", "unbooked"
    unit_price: int
    quantity: int
    surcharge: int
    date_from: date
    date_to: date


@dataclass
class Facts:
    activities: dict[int, ActivitySpec] = field(default_factory=dict)
    sessions: dict[int, SessionFact] = field(default_factory=dict)
    bookings: list[BookingFact] = field(default_factory=list)
    marks: dict[tuple[int, int], tuple[int, str]] = field(default_factory=dict)  # (session, child) -> (household, status)
    quotients: dict[int, list[tuple[date, int]]] = field(default_factory=dict)  # household -> [(valid from, QF)]


def quotient_on(history: list[tuple[date, int]], day: date) -> int | None:
    """The QF whose validity started last on or before `day`."""
    in_force = [(start, value) for start, value in history if start <= day]
    return max(in_force)[1] if in_force else None


def price_for(bands: tuple[tuple[int | None, int], ...], quotient: int | None) -> int:
    """The band with the smallest ceiling at or above the QF; above them all (or no QF): the open band."""
    open_band = [price for ceiling, price in bands if ceiling is None]
    if quotient is not None:
        fitting = sorted((ceiling, price) for ceiling, price in bands if ceiling is not None and quotient <= ceiling)
        if fitting:
            return fitting[0][1]
    return open_band[0]


def units_of(activity: ActivitySpec) -> int:
    if activity.unit != "hour":
        return 1
    minutes = activity.end_minutes - activity.start_minutes
    hours = minutes // 60 + (1 if minutes % 60 else 0)  # every hour begun
    return max(hours, 1)


def surcharge_of(units: int, price: int, percent: int) -> int:
    """Percent of one session's amount, rounded half up to the cent."""
    exact = units * price * percent
    return exact // 100 + (1 if exact % 100 >= 50 else 0)


def billed_units(facts: Facts, start: date, end: date) -> list[tuple[int, int, int, int, str]]:
    """(household, child, session, activity, kind) for each billable presence of the month."""
    out = []
    booked = set()
    for b in facts.bookings:
        session = facts.sessions[b.session_id]
        if b.status != "booked":
            continue  # cancelled (in time, by a closure) or still waiting: not billed
        booked.add((b.session_id, b.child_id))
        if session.closed or not start <= session.day <= end:
            continue
        mark = facts.marks.get((b.session_id, b.child_id), (b.household_id, None))[1]
        if mark == "justified":
            continue
        out.append((b.household_id, b.child_id, b.session_id, session.activity_id, "late" if b.late else ""))
    for (session_id, child_id), (household_id, status) in facts.marks.items():
        session = facts.sessions[session_id]
        if status != "unbooked_present" or (session_id, child_id) in booked:
            continue
        if session.closed or not start <= session.day <= end:
            continue
        out.append((household_id, child_id, session_id, session.activity_id, "unbooked"))
    return out


def expected_invoices(facts: Facts, start: date, end: date) -> dict[tuple[int, int], list[Line]]:
    """{(organization, household): lines sorted per child, activity, kind, price}."""
    grouped: dict[tuple, list] = {}
    for household_id, child_id, session_id, activity_id, kind in billed_units(facts, start, end):
        activity = facts.activities[activity_id]
        day = facts.sessions[session_id].day
        percent = {"late": activity.late_percent, "unbooked": activity.unbooked_percent}.get(kind, 0)
        if not percent:
            kind = ""
        units = units_of(activity)
        price = price_for(activity.bands, quotient_on(facts.quotients.get(household_id, []), day))
        key = (activity.organization_id, household_id, child_id, activity_id, kind, price)
        entry = grouped.setdefault(key, [0, 0, day, day])
        entry[0] += units
        entry[1] += surcharge_of(units, price, percent)
        entry[2], entry[3] = min(entry[2], day), max(entry[3], day)
    invoices: dict[tuple[int, int], list[Line]] = {}
    for (org, household, child, activity, kind, price), (qty, extra, first, last) in sorted(grouped.items()):
        invoices.setdefault((org, household), []).append(Line(child, activity, kind, price, qty, extra, first, last))
    return {k: v for k, v in invoices.items() if sum(x.quantity * x.unit_price + x.surcharge for x in v) > 0}
