"""The issued invoices equal the reference model (reference_model.py) on random months.

Each example builds two new organizations (a canteen by the meal and an evening
care by the hour each, random QF bands and surcharges), three households with
one or two children enrolled in both, QF histories that may change within the
month, then drives the real services in time order: bookings (in time, late,
refused, onto the waiting list), cancellations (in time, or refused when late),
closures, staff attendance — on sessions before, within and after the month.
The month is then previewed and issued through periods.py, and every invoice
line is compared with what the model, fed only the recorded facts, bills.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from cityviz import clock, db
from cityviz.models import (
    Activity,
    ActivitySession,
    Attendance,
    Booking,
    FamilyQuotient,
    Invoice,
    InvoiceLine,
    PriceBand,
)
from cityviz.services.billing import periods
from cityviz.services.booking import attendance, bookings, closures, rules
from cityviz.services.errors import DomainError
from cityviz.services.formatting import format_money
from tests import factories
from tests.services.billing import reference_model as model

pytestmark = pytest.mark.usefixtures("database")

MONTHS = ("2026-09", "2026-10", "2026-11")
MARGIN = timedelta(days=9)  # sessions this far before and after the month are booked too
PRICES = st.integers(1, 600)


def _activity_settings(draw, hourly: bool) -> dict:
    low, mid, top = draw(PRICES), draw(PRICES), draw(PRICES)
    values = dict(capacity=draw(st.integers(1, 3)), price_bands=[(500, low), (900, mid), (None, top)],
                  unbooked_surcharge_percent=draw(st.sampled_from([0, 25, 50])),
                  late_surcharge_percent=draw(st.sampled_from([0, 10, 33, 50])))
    if values["late_surcharge_percent"]:
        values["late"] = rules.NoticeRule("calendar_days", draw(st.integers(3, 6)), 12 * 60)
    if hourly:
        start = 16 * 60 + 30
        values.update(name="Garderie du soir", kind="evening_care", unit="hour", start_minutes=start,
                      end_minutes=start + draw(st.integers(15, 200)),
                      booking=rules.NoticeRule("calendar_days", 0, 12 * 60),
                      cancel=rules.NoticeRule("calendar_days", 1, 12 * 60))
    else:
        values.update(booking=rules.NoticeRule("calendar_days", 2, 12 * 60),
                      cancel=rules.NoticeRule("calendar_days", 2, 12 * 60))
    return values


def _build(draw, month_start: date) -> dict:
    """Organizations, activities, households, children and QF histories (no booking yet)."""
    world = {"orgs": [], "activities": [], "children": [], "parents": {}}
    with db.transaction() as s:
        orgs = [factories.make_organization(s) for _ in range(2)]
        for org in orgs:
            staff = factories.actor(s, factories.make_staff(s, org, role="admin"))
            world["orgs"].append((org.id, staff))
            for hourly in (False, True):
                activity = factories.make_activity(s, org, staff, **_activity_settings(draw, hourly))
                world["activities"].append((org.id, activity.id))
        for n in range(3):
            household, guardian, user = factories.make_household(s, last_name=f"FOYER{n}", org=orgs[0])
            factories.enroll(s, guardian, orgs[1])
            world["parents"][household.id] = factories.actor(s, user)
            for c in range(draw(st.integers(1, 2))):
                child = factories.make_child(s, household, first_name=f"Enfant{n}{c}", org=orgs[0])
                factories.enroll(s, child, orgs[1])
                for _org, activity_id in world["activities"]:
                    factories.register(s, s.get(Activity, activity_id), child)
                world["children"].append((household.id, child.id))
            offsets = draw(st.lists(st.integers(-40, 40), max_size=3, unique=True))
            for offset in offsets:
                s.add(FamilyQuotient(household_id=household.id, value=draw(st.integers(0, 1400)),
                                     valid_from=month_start + timedelta(days=offset), created_at=clock.now()))
    return world


def _sessions(activity_id: int, first: date, last: date) -> list[tuple[int, date]]:
    with db.read() as s:
        return [(x.id, x.date) for x in s.exec(select(ActivitySession).where(
            ActivitySession.activity_id == activity_id, ActivitySession.date >= first,
            ActivitySession.date <= last).order_by(ActivitySession.date)).all()]


def _at(day: date, days_before: int, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=clock.PARIS) - timedelta(days=days_before)


def _plan(draw, world: dict, first: date, last: date) -> list[tuple[datetime, str, tuple]]:
    """Timed actions: book (maybe onto the waiting list), cancel, close a day."""
    sessions = {a: _sessions(a, first, last) for _o, a in world["activities"]}
    pick_session = st.sampled_from([(o, a) for o, a in world["activities"] if sessions[a]]).flatmap(
        lambda oa: st.tuples(st.just(oa), st.sampled_from(sessions[oa[1]])))
    actions = []
    children = st.lists(st.sampled_from(world["children"]), min_size=1, max_size=3, unique=True)
    for (_org, _activity), (session_id, day) in draw(st.lists(pick_session, min_size=2, max_size=9)):
        for household_id, child_id in draw(children):  # several children: a full session, a waiting list
            booked_at = _at(day, draw(st.integers(0, 9)), draw(st.integers(7, 20)))
            actions.append((booked_at, "book", (household_id, child_id, session_id)))
            if draw(st.integers(0, 3)) == 0:  # then cancelled, in time or too late (refused: still billed)
                cancelled_at = booked_at + timedelta(hours=draw(st.integers(1, 24 * 6)))
                actions.append((cancelled_at, "cancel", (household_id, child_id, session_id)))
    for (org, activity), (_session_id, day) in draw(st.lists(pick_session, max_size=2)):
        whole_town = draw(st.booleans())
        closed_at = _at(day, draw(st.integers(0, 8)), 9)
        actions.append((closed_at, "close", (org, None if whole_town else activity, day)))
    return sorted(actions, key=lambda a: (a[0], a[1]))


def _run(world: dict, actions, traveller) -> None:
    staff = dict(world["orgs"])
    for moment, kind, args in actions:
        traveller.move_to(moment)
        try:
            with db.transaction() as s:
                if kind == "book":
                    household_id, child_id, session_id = args
                    bookings.book_session(s, actor=world["parents"][household_id], child_id=child_id,
                                          session_id=session_id, join_waiting_list=True)
                elif kind == "cancel":
                    household_id, child_id, session_id = args
                    bookings.cancel_booking(s, actor=world["parents"][household_id], child_id=child_id,
                                            session_id=session_id)
                else:
                    org, activity_id, day = args
                    closures.create_closure(s, actor=staff[org], organization_id=org, start=day, end=day,
                                            reason="Grève", activity_id=activity_id)
        except DomainError:
            pass  # refused by the rules (deadline, full, late cancellation...): the facts say so


def _mark(draw, world: dict, first: date, today: date) -> None:
    """Staff attendance on every booked session up to today, and a few children who came unbooked."""
    staff = dict(world["orgs"])
    org_of = {a: o for o, a in world["activities"]}
    with db.read() as s:
        booked = s.exec(select(Booking.session_id, Booking.child_id, ActivitySession.activity_id)
                        .join(ActivitySession, ActivitySession.id == Booking.session_id)
                        .where(Booking.status == "booked", col(ActivitySession.closure_id).is_(None),
                               ActivitySession.date >= first, ActivitySession.date <= today,
                               col(ActivitySession.activity_id).in_(list(org_of)))
                        .order_by(Booking.id)).all()
    marks = [(session_id, child_id, activity_id, draw(st.sampled_from([None, "present", "absent", "justified"])))
             for session_id, child_id, activity_id in booked]
    open_sessions = [x for _o, a in world["activities"] for x in _sessions(a, first, today)]
    booked_pairs = {(b[0], b[1]) for b in booked}
    for (session_id, _day), (_h, child_id) in draw(st.lists(
            st.tuples(st.sampled_from(open_sessions), st.sampled_from(world["children"])), max_size=4)):
        if (session_id, child_id) not in booked_pairs:
            with db.read() as s:
                activity_id = s.get(ActivitySession, session_id).activity_id
            marks.append((session_id, child_id, activity_id, "unbooked_present"))
    for session_id, child_id, activity_id, status in marks:
        if status is None:
            continue
        try:
            with db.transaction() as s:
                attendance.mark_attendance(s, actor=staff[org_of[activity_id]], session_id=session_id,
                                           child_id=child_id, status=status)
        except DomainError:
            pass  # a closed session cannot be marked


def _facts(world: dict) -> model.Facts:
    """The recorded facts, read plainly, for the model."""
    facts = model.Facts()
    activity_ids = [a for _o, a in world["activities"]]
    with db.read() as s:
        for a in s.exec(select(Activity).where(col(Activity.id).in_(activity_ids))).all():
            bands = tuple((b.qf_max, b.price_cents) for b in s.exec(select(PriceBand).where(
                PriceBand.activity_id == a.id)).all())
            facts.activities[a.id] = model.ActivitySpec(a.organization_id, a.unit, a.start_minutes, a.end_minutes,
                                                        bands, a.late_surcharge_percent, a.unbooked_surcharge_percent)
        for x in s.exec(select(ActivitySession).where(col(ActivitySession.activity_id).in_(activity_ids))).all():
            facts.sessions[x.id] = model.SessionFact(x.activity_id, x.date, x.closure_id is not None)
        for b in s.exec(select(Booking).where(col(Booking.session_id).in_(list(facts.sessions)))).all():
            facts.bookings.append(model.BookingFact(b.session_id, b.child_id, b.household_id, b.status,
                                                    bool(b.is_late)))
        for m in s.exec(select(Attendance).where(col(Attendance.session_id).in_(list(facts.sessions)))).all():
            facts.marks[(m.session_id, m.child_id)] = (m.household_id, m.status)
        for q in s.exec(select(FamilyQuotient).where(col(FamilyQuotient.household_id).in_(list(world["parents"])))):
            facts.quotients.setdefault(q.household_id, []).append((q.valid_from, q.value))
    return facts


def _kind(label: str) -> str:
    return "late" if "réservation tardive" in label else "unbooked" if "présence sans réservation" in label else ""


def _issued(org_ids: list[int]) -> dict[tuple[int, int], list[model.Line]]:
    with db.read() as s:
        invoices = s.exec(select(Invoice).where(col(Invoice.organization_id).in_(org_ids))).all()
        out = {}
        for invoice in invoices:
            lines = s.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)).all()
            assert invoice.total_cents == sum(x.total_cents for x in lines)
            assert all(x.total_cents == x.quantity * x.unit_price_cents + x.surcharge_cents for x in lines)
            out[(invoice.organization_id, invoice.household_id)] = sorted(
                model.Line(x.child_id, x.activity_id, _kind(x.label), x.unit_price_cents, x.quantity,
                           x.surcharge_cents, x.date_from, x.date_to) for x in lines)
    return out


def _describe(facts: model.Facts, start: date, end: date) -> None:
    """What the example covered (pytest --hypothesis-show-statistics)."""
    days = {b: facts.sessions[b.session_id].day for b in facts.bookings}
    for name, seen in (
            ("waiting list", any(b.status == "waiting" for b in facts.bookings)),
            ("cancelled", any(b.status == "cancelled" for b in facts.bookings)),
            ("late booking billed", any(b.late and b.status == "booked" for b in facts.bookings)),
            ("closure", any(x.closed for x in facts.sessions.values())),
            ("booked before the month", any(d < start for d in days.values())),
            ("booked after the month", any(d > end for d in days.values())),
            ("unbooked presence", any(m[1] == "unbooked_present" for m in facts.marks.values())),
            ("justified absence", any(m[1] == "justified" for m in facts.marks.values())),
            ("QF changes within the month", any(start < d <= end for h in facts.quotients.values() for d, _v in h))):
        if seen:
            event(name)


# Shrinking a failure of this test takes minutes: the failing draws are printed unshrunk.
@settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate], suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_issued_invoices_equal_the_reference_model(data):
    month = data.draw(st.sampled_from(MONTHS), label="month")
    start, end = periods.month_bounds(month)
    with time_machine.travel(_at(start, 45, 9), tick=False) as traveller:
        world = _build(data.draw, start)
        actions = _plan(data.draw, world, start - MARGIN, end + MARGIN)
        _run(world, actions, traveller)
        today = end + timedelta(days=3)
        traveller.move_to(_at(today, 0, 18))
        _mark(data.draw, world, start - MARGIN, today)
        facts = _facts(world)
        _describe(facts, start, end)
        expected = model.expected_invoices(facts, start, end)
        for org_id, staff in world["orgs"]:
            with db.read() as s:
                preview = periods.preview_period(s, actor=staff, organization_id=org_id, month=month, per_page=10)
            mine = {h: lines for (o, h), lines in expected.items() if o == org_id}
            assert preview.households == len(mine)
            assert preview.total == format_money(sum(x.quantity * x.unit_price + x.surcharge
                                                     for lines in mine.values() for x in lines))
            periods.issue_all(db.transaction, actor=staff, organization_id=org_id, month=month)
    issued = _issued([o for o, _s in world["orgs"]])
    assert issued == {k: sorted(v) for k, v in expected.items()}
