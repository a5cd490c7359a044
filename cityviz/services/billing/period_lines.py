"""What a household owes for a period: facts read in a few set queries, then
turned into invoice lines grouped per child. Shared by the preview and the
issuing run, so both always agree.

Billed: booked and present, booked and absent without justification, booked
and not yet marked (listed as an anomaly), present without booking (with the
activity's surcharge). Not billed: cancelled, justified absence, closure.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

from sqlalchemy import and_, case, func, literal, select, union_all
from sqlmodel import Session, col

from cityviz.models import Activity, ActivitySession, Attendance, Booking, FamilyQuotient, Household, Person, PriceBand
from cityviz.services.booking.activities import UNITS, band_price
from cityviz.services.formatting import format_month

SURCHARGE_LABELS = {"late": "réservation tardive", "unbooked": "présence sans réservation"}


class Fact(NamedTuple):
    household_id: int
    child_id: int
    session_id: int
    day: date
    activity_id: int
    late: bool
    mark: str | None  # attendance status, None when not marked


@dataclasses.dataclass
class DraftLine:
    child_id: int
    child_name: str
    activity_id: int
    label: str
    date_from: date
    date_to: date
    quantity: int
    unit_price_cents: int
    surcharge_cents: int

    @property
    def total_cents(self) -> int:
        return self.quantity * self.unit_price_cents + self.surcharge_cents


@dataclasses.dataclass
class Draft:
    household_id: int
    payer_name: str
    payer_address: str
    label: str
    lines: list[DraftLine]
    no_quotient: bool

    @property
    def total_cents(self) -> int:
        return sum(line.total_cents for line in self.lines)


def _in_period(organization_id: int, start: date, end: date):
    return and_(Activity.organization_id == organization_id, ActivitySession.date >= start,
                ActivitySession.date <= end, col(ActivitySession.closure_id).is_(None))


def _still_booked(session_id, child_id):
    """A booking in force for this child and session (a mark "présent sans réservation" made before
    a same-day booking is then billed as that booking, once)."""
    return (select(Booking.id).where(Booking.session_id == session_id, Booking.child_id == child_id,
                                     Booking.status == "booked").exists())


def _fact_query(organization_id: int, start: date, end: date, household_ids: Iterable[int] | None):
    in_period = _in_period(organization_id, start, end)
    # For a chunk of households, start from their rows (indexed by household):
    # "+ 0" keeps SQLite from walking the whole month's sessions first.
    by_household = household_ids is not None
    booking_session = Booking.session_id + 0 if by_household else Booking.session_id
    attendance_session = Attendance.session_id + 0 if by_household else Attendance.session_id
    # A booked child is billed as booked (late or not) whatever the mark, unless justified.
    mark = case((Attendance.status == "unbooked_present", literal("present")), else_=Attendance.status)
    booked = (select(Booking.household_id, Booking.child_id, ActivitySession.id, ActivitySession.date,
                     ActivitySession.activity_id, Booking.is_late.label("is_late"), mark.label("status"))
              .join(ActivitySession, ActivitySession.id == booking_session)
              .join(Activity, Activity.id == ActivitySession.activity_id)
              .outerjoin(Attendance, and_(Attendance.session_id == Booking.session_id,
                                          Attendance.child_id == Booking.child_id))
              .where(in_period, Booking.status == "booked"))
    unbooked = (select(Attendance.household_id, Attendance.child_id, ActivitySession.id, ActivitySession.date,
                       ActivitySession.activity_id, literal(False).label("is_late"), Attendance.status)
                .join(ActivitySession, ActivitySession.id == attendance_session)
                .join(Activity, Activity.id == ActivitySession.activity_id)
                .where(in_period, Attendance.status == "unbooked_present",
                       ~_still_booked(Attendance.session_id, Attendance.child_id)))
    if household_ids is not None:
        ids = list(household_ids)
        booked = booked.where(col(Booking.household_id).in_(ids))
        unbooked = unbooked.where(col(Attendance.household_id).in_(ids))
    return union_all(booked, unbooked)


def load_facts(s: Session, organization_id: int, start: date, end: date,
               household_ids: Iterable[int] | None = None) -> list[Fact]:
    rows = s.execute(_fact_query(organization_id, start, end, household_ids)).all()
    return [Fact._make(r) for r in rows]  # `late` stays 0/1 on SQLite: only its truth is used


class Group(NamedTuple):
    """Billable sessions of one child at one activity, of one kind (counted in SQL)."""

    household_id: int
    child_id: int
    activity_id: int
    kind: str  # "", "late" or "unbooked"
    sessions: int
    first_day: date
    last_day: date


def _group_query(organization_id: int, start: date, end: date, household_ids: Iterable[int] | None):
    """The month's billable sessions counted per household, child, activity and kind by the
    database: a few thousand rows to Python instead of one per session attended.

    The few marks that change a bill (justified absences, presences without booking) are read
    once into a small table: each booking then looks its mark up there, not in the attendance
    table, and the unbooked presences come from the same rows.
    """
    in_period = _in_period(organization_id, start, end)
    by_household = household_ids is not None  # a chunk: start from its households' rows ("+ 0" as above)
    marks = select(Attendance.session_id, Attendance.child_id, Attendance.household_id, Attendance.status).where(
        col(Attendance.status).in_(("justified", "unbooked_present")))
    if by_household:
        ids = list(household_ids)
        marks = marks.where(col(Attendance.household_id).in_(ids))
    else:
        marks = (marks.join(ActivitySession, ActivitySession.id == Attendance.session_id)
                 .join(Activity, Activity.id == ActivitySession.activity_id).where(in_period))
    marks = marks.cte("marks").prefix_with("MATERIALIZED")
    days = (func.count(), func.min(ActivitySession.date), func.max(ActivitySession.date))
    kind = case((Booking.is_late == True, literal("late")), else_=literal(""))  # noqa: E712
    booked = (select(Booking.household_id, Booking.child_id, ActivitySession.activity_id, kind.label("kind"), *days)
              .join(ActivitySession, ActivitySession.id == (Booking.session_id + 0 if by_household
                                                            else Booking.session_id))
              .join(Activity, Activity.id == ActivitySession.activity_id)
              .outerjoin(marks, and_(marks.c.session_id == Booking.session_id, marks.c.child_id == Booking.child_id,
                                     marks.c.status == "justified"))
              .where(in_period, Booking.status == "booked", marks.c.session_id.is_(None))
              .group_by(Booking.household_id, Booking.child_id, ActivitySession.activity_id, Booking.is_late))
    if by_household:
        booked = booked.where(col(Booking.household_id).in_(ids))
    unbooked = (select(marks.c.household_id, marks.c.child_id, ActivitySession.activity_id,
                       literal("unbooked").label("kind"), *days)
                .join(ActivitySession, ActivitySession.id == marks.c.session_id)
                .join(Activity, Activity.id == ActivitySession.activity_id)
                .where(in_period, marks.c.status == "unbooked_present",
                       ~_still_booked(marks.c.session_id, marks.c.child_id))
                .group_by(marks.c.household_id, marks.c.child_id, ActivitySession.activity_id))
    return union_all(booked, unbooked)


def billable_household_ids(s: Session, organization_id: int, start: date, end: date) -> list[int]:
    """Households with a booking or an unbooked presence in the period, in a stable order.

    Cheaper than the facts themselves (no attendance join); a household that turns out
    to owe nothing (only justified absences) is simply left without an invoice.
    """
    in_period = _in_period(organization_id, start, end)
    booked = (select(Booking.household_id).join(ActivitySession, ActivitySession.id == Booking.session_id)
              .join(Activity, Activity.id == ActivitySession.activity_id)
              .where(in_period, Booking.status == "booked"))
    unbooked = (select(Attendance.household_id).join(ActivitySession, ActivitySession.id == Attendance.session_id)
                .join(Activity, Activity.id == ActivitySession.activity_id)
                .where(in_period, Attendance.status == "unbooked_present"))
    return sorted({r[0] for r in s.execute(booked.union(unbooked)).all()})


def is_billed(fact: Fact) -> bool:
    return fact.mark != "justified"


class Prices:
    """Unit prices by activity and QF band, and each household's QF history."""

    def __init__(self, s: Session, activity_ids: set[int], household_ids: set[int]):
        self.activities = {a.id: a for a in s.execute(select(Activity).where(col(Activity.id).in_(activity_ids)))
                           .scalars()}
        self.bands: dict[int, list[PriceBand]] = defaultdict(list)
        for band in s.execute(select(PriceBand).where(col(PriceBand.activity_id).in_(activity_ids))).scalars():
            self.bands[band.activity_id].append(band)
        self.quotients: dict[int, list[tuple[date, int]]] = defaultdict(list)
        rows = s.connection().execute(select(FamilyQuotient.household_id, FamilyQuotient.valid_from, FamilyQuotient.value)
                         .where(col(FamilyQuotient.household_id).in_(household_ids))
                         .order_by(FamilyQuotient.valid_from)).all()
        for household_id, valid_from, value in rows:
            self.quotients[household_id].append((valid_from, value))
        # Per activity, the bands sorted once: (ceilings, prices, price above every ceiling).
        self._ladders = {}
        for activity_id, bands in self.bands.items():
            capped = sorted((b.qf_max, b.price_cents) for b in bands if b.qf_max is not None)
            top = band_price(bands, None)
            self._ladders[activity_id] = ([c for c, _p in capped], [p for _c, p in capped], top)

    def changes_within(self, household_id: int, start: date, end: date) -> bool:
        return any(start < valid_from <= end for valid_from, _value in self.quotients.get(household_id, []))

    def quotient_on(self, household_id: int, day: date) -> int | None:
        history = self.quotients.get(household_id)
        if not history:
            return None
        if history[-1][0] <= day:  # the usual case: the latest quotient already applies
            return history[-1][1]
        index = bisect.bisect_right(history, (day, float("inf"))) - 1
        return history[index][1] if index >= 0 else None

    def unit_price(self, activity_id: int, household_id: int, day: date) -> int:
        """The band of the quotient in force that day (the same answer as `band_price`)."""
        quotient = self.quotient_on(household_id, day)
        ceilings, prices, top = self._ladders[activity_id]
        if quotient is None:
            return top
        index = bisect.bisect_left(ceilings, quotient)  # first ceiling >= quotient
        return prices[index] if index < len(prices) else top


def units_per_session(activity: Activity) -> int:
    """Sessions bill one unit; by the hour, every hour begun is due."""
    if activity.unit != "hour":
        return 1
    return max(1, -(-(activity.end_minutes - activity.start_minutes) // 60))


def drafts_for(s: Session, organization_id: int, start: date, end: date,
               household_ids: Iterable[int] | None = None) -> list[Draft]:
    """One draft invoice per household with something to bill, lines grouped per child."""
    # Plain rows through the session's connection: the ORM adds nothing to a few thousand tuples.
    groups = s.connection().execute(_group_query(organization_id, start, end, household_ids)).all()
    if not groups:
        return []
    households = {g[0] for g in groups}
    prices = Prices(s, {g[2] for g in groups}, households)
    # A quotient that changes within the month splits a child's sessions by price:
    # those (rare) households are counted session by session.
    varying = {h for h in households if prices.changes_within(h, start, end)}
    if varying:
        facts = [f for f in load_facts(s, organization_id, start, end, varying) if is_billed(f)]
        groups = [g for g in groups if g[0] not in varying] + _groups_by_quotient(facts, prices)
    return _drafts(s, groups, prices, start)


def _groups_by_quotient(facts: list[Fact], prices: Prices) -> list[Group]:
    counted: dict[tuple, list] = {}
    for f in facts:
        kind = "unbooked" if f.mark == "unbooked_present" else "late" if f.late else ""
        key = (f.household_id, f.child_id, f.activity_id, kind, prices.quotient_on(f.household_id, f.day))
        entry = counted.setdefault(key, [0, f.day, f.day])
        entry[0] += 1
        entry[1], entry[2] = min(entry[1], f.day), max(entry[2], f.day)
    return [Group(k[0], k[1], k[2], k[3], n, first, last) for k, (n, first, last) in counted.items()]


def _drafts(s: Session, groups: list[Group], prices: Prices, period_start: date) -> list[Draft]:
    household_ids = {g[0] for g in groups}
    conn = s.connection()
    people = conn.execute(select(Person.id, Person.household_id, Person.role, Person.first_name, Person.last_name)
                       .where(col(Person.household_id).in_(household_ids)).order_by(Person.id)).all()
    households = {h.id: h for h in conn.execute(select(Household.id, Household.street, Household.postal_code,
                                                    Household.city).where(col(Household.id).in_(household_ids)))}
    names = {p.id: f"{p.first_name} {p.last_name}" for p in people}
    guardians: dict[int, list] = defaultdict(list)
    for p in people:
        if p.role == "guardian":
            guardians[p.household_id].append(p)
    # Per activity, once (attribute reads on ORM objects add up over thousands of groups).
    per_activity = {a.id: (f"{a.name} ({quantity_label(a)})", units_per_session(a),
                           {"unbooked": a.unbooked_surcharge_percent, "late": a.late_surcharge_percent})
                    for a in prices.activities.values()}
    lines: dict[tuple, DraftLine] = {}
    unit_price, kind_order = prices.unit_price, _KIND_ORDER
    for household_id, child_id, activity_id, kind, sessions, first_day, last_day in groups:
        base_label, units, surcharges = per_activity[activity_id]
        unit = unit_price(activity_id, household_id, first_day)
        percent = surcharges.get(kind, 0)
        if not percent:
            kind = ""
        key = (household_id, child_id, activity_id, kind_order[kind], unit, percent)
        line = lines.get(key)
        if line is None:
            label = f"{base_label} – {SURCHARGE_LABELS[kind]} (+{percent} %)" if kind else base_label
            line = lines[key] = DraftLine(child_id, names.get(child_id, ""), activity_id, label, first_day,
                                          last_day, 0, unit, 0)
        else:
            line.date_from, line.date_to = min(line.date_from, first_day), max(line.date_to, last_day)
        line.quantity += sessions * units
        if percent:  # rounded per session, as each session is billed
            line.surcharge_cents += sessions * ((units * unit * percent + 50) // 100)
    label = f"Facture post-paiement pour {format_month(period_start)}"
    drafts: dict[int, Draft] = {}
    for key in sorted(lines, key=lambda k: (*k[:4], lines[k].date_from)):  # per child, activity, then date
        household_id = key[0]
        if household_id not in drafts:
            drafts[household_id] = Draft(
                household_id=household_id, payer_name=payer_name(guardians.get(household_id, [])),
                payer_address=payer_address(households[household_id]), label=label, lines=[],
                no_quotient=not prices.quotients.get(household_id))
        drafts[household_id].lines.append(lines[key])
    return [drafts[h] for h in sorted(drafts)]


_KIND_ORDER = {"": 0, "late": 1, "unbooked": 2}


def quantity_label(activity: Activity) -> str:
    return f"par {UNITS[activity.unit]}"


def payer_name(guardians: list) -> str:
    """'Audrey et Philippe NOIRET', as on the guide's invoices."""
    if not guardians:
        return ""
    if len(guardians) >= 2 and guardians[0].last_name == guardians[1].last_name:
        return f"{guardians[0].first_name} et {guardians[1].first_name} {guardians[0].last_name}"
    return " et ".join(f"{g.first_name} {g.last_name}" for g in guardians[:2])


def payer_address(household) -> str:
    town = " ".join(x for x in (household.postal_code, household.city) if x)
    return "\n".join(x for x in (household.street, town) if x)
