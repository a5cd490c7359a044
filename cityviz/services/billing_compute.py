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

from sqlalchemy import and_, literal, select, union_all
from sqlmodel import Session, col

from cityviz.models import (
    Activity,
    ActivitySession,
    Attendance,
    Booking,
    FamilyQuotient,
    Household,
    Person,
    PriceBand,
)
from cityviz.services.activities import UNITS, band_price
from cityviz.services.formatting import format_month

SURCHARGE_LABELS = {"late": "réservation tardive", "unbooked": "présence sans réservation"}


@dataclasses.dataclass(frozen=True)
class Fact:
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


def _fact_query(organization_id: int, start: date, end: date, household_ids: Iterable[int] | None):
    in_period = and_(Activity.organization_id == organization_id, ActivitySession.date >= start,
                     ActivitySession.date <= end, col(ActivitySession.closure_id).is_(None))
    booked = (select(Booking.household_id, Booking.child_id, ActivitySession.id, ActivitySession.date,
                     ActivitySession.activity_id, Booking.is_late, Attendance.status)
              .join(ActivitySession, ActivitySession.id == Booking.session_id)
              .join(Activity, Activity.id == ActivitySession.activity_id)
              .outerjoin(Attendance, and_(Attendance.session_id == Booking.session_id,
                                          Attendance.child_id == Booking.child_id))
              .where(in_period, Booking.status == "booked"))
    unbooked = (select(Attendance.household_id, Attendance.child_id, ActivitySession.id, ActivitySession.date,
                       ActivitySession.activity_id, literal(False), Attendance.status)
                .join(ActivitySession, ActivitySession.id == Attendance.session_id)
                .join(Activity, Activity.id == ActivitySession.activity_id)
                .where(in_period, Attendance.status == "unbooked_present"))
    if household_ids is not None:
        ids = list(household_ids)
        booked = booked.where(col(Booking.household_id).in_(ids))
        unbooked = unbooked.where(col(Attendance.household_id).in_(ids))
    return union_all(booked, unbooked)


def load_facts(s: Session, organization_id: int, start: date, end: date,
               household_ids: Iterable[int] | None = None) -> list[Fact]:
    rows = s.execute(_fact_query(organization_id, start, end, household_ids)).all()
    return [Fact(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6]) for r in rows]


def billable_household_ids(s: Session, organization_id: int, start: date, end: date) -> list[int]:
    """Households with at least one billable fact, in a stable order."""
    query = _fact_query(organization_id, start, end, None).subquery()
    rows = s.execute(select(query.c[0]).distinct()).all()  # household id is the first column
    return sorted(r[0] for r in rows)


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
        for q in s.execute(select(FamilyQuotient).where(col(FamilyQuotient.household_id).in_(household_ids))
                        .order_by(FamilyQuotient.valid_from)).scalars():
            self.quotients[q.household_id].append((q.valid_from, q.value))

    def quotient_on(self, household_id: int, day: date) -> int | None:
        history = self.quotients.get(household_id, [])
        index = bisect.bisect_right([d for d, _ in history], day) - 1
        return history[index][1] if index >= 0 else None

    def unit_price(self, activity_id: int, household_id: int, day: date) -> int:
        return band_price(self.bands[activity_id], self.quotient_on(household_id, day))


def units_per_session(activity: Activity) -> int:
    """Sessions bill one unit; by the hour, every hour begun is due."""
    if activity.unit != "hour":
        return 1
    return max(1, -(-(activity.end_minutes - activity.start_minutes) // 60))


def _surcharge(fact: Fact, activity: Activity) -> tuple[str, int]:
    if fact.mark == "unbooked_present" and activity.unbooked_surcharge_percent:
        return "unbooked", activity.unbooked_surcharge_percent
    if fact.late and activity.late_surcharge_percent:
        return "late", activity.late_surcharge_percent
    return "", 0


def build_drafts(s: Session, facts: list[Fact], period_start: date) -> list[Draft]:
    """One draft invoice per household, lines grouped per child, activity, price and surcharge."""
    billed = [f for f in facts if is_billed(f)]
    household_ids = {f.household_id for f in billed}
    if not household_ids:
        return []
    prices = Prices(s, {f.activity_id for f in billed}, household_ids)
    people = s.execute(select(Person).where(col(Person.household_id).in_(household_ids))).scalars().all()
    households = {h.id: h for h in s.execute(select(Household).where(col(Household.id).in_(household_ids))).scalars()}
    names = {p.id: f"{p.first_name} {p.last_name}" for p in people}
    guardians: dict[int, list[Person]] = defaultdict(list)
    for p in sorted(people, key=lambda p: p.id):
        if p.role == "guardian":
            guardians[p.household_id].append(p)
    groups: dict[tuple, DraftLine] = {}
    for fact in sorted(billed, key=lambda f: (f.household_id, f.child_id, f.activity_id, f.day)):
        activity = prices.activities[fact.activity_id]
        unit = prices.unit_price(fact.activity_id, fact.household_id, fact.day)
        kind, percent = _surcharge(fact, activity)
        quantity = units_per_session(activity)
        key = (fact.household_id, fact.child_id, fact.activity_id, unit, kind, percent)
        line = groups.get(key)
        if line is None:
            label = f"{activity.name} ({quantity_label(activity)})"
            if kind:
                label += f" – {SURCHARGE_LABELS[kind]} (+{percent} %)"
            line = groups[key] = DraftLine(fact.child_id, names.get(fact.child_id, ""), activity.id, label,
                                           fact.day, fact.day, 0, unit, 0)
        line.quantity += quantity
        line.surcharge_cents += (quantity * unit * percent + 50) // 100
        line.date_from, line.date_to = min(line.date_from, fact.day), max(line.date_to, fact.day)
    label = f"Facture post-paiement pour {format_month(period_start)}"
    drafts: dict[int, Draft] = {}
    for key, line in groups.items():
        household_id = key[0]
        if household_id not in drafts:
            household = households[household_id]
            drafts[household_id] = Draft(
                household_id=household_id, payer_name=payer_name(guardians.get(household_id, [])),
                payer_address=payer_address(household), label=label, lines=[],
                no_quotient=not prices.quotients.get(household_id))
        drafts[household_id].lines.append(line)
    return [drafts[h] for h in sorted(drafts)]


def quantity_label(activity: Activity) -> str:
    return f"par {UNITS[activity.unit]}"


def payer_name(guardians: list[Person]) -> str:
    """'Audrey et Philippe NOIRET', as on the guide's invoices."""
    if not guardians:
        return ""
    if len(guardians) >= 2 and guardians[0].last_name == guardians[1].last_name:
        return f"{guardians[0].first_name} et {guardians[1].first_name} {guardians[0].last_name}"
    return " et ".join(f"{g.first_name} {g.last_name}" for g in guardians[:2])


def payer_address(household: Household) -> str:
    town = " ".join(x for x in (household.postal_code, household.city) if x)
    return "\n".join(x for x in (household.street, town) if x)
