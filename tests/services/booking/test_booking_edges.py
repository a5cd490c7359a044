"""Edges of the booking rules through the booking services: the minute a
"previous week" deadline closes, and an activity's first and last days."""

from datetime import date, datetime

import pytest
from sqlmodel import select

from cityviz import clock, db
from cityviz.models import ActivitySession
from cityviz.services.booking import bookings, calendar, rules
from cityviz.services.booking.bookings import BookingRefused
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")
TUESDAY_2359 = rules.NoticeRule("previous_week", cutoff_minutes=23 * 60 + 59, weekday=1)


def _town(**activity):
    with db.transaction() as s:
        org = factories.make_organization(s)
        staff = factories.actor(s, factories.make_staff(s, org))
        canteen = factories.make_activity(s, org, staff, **activity)
        families = []
        for name in ("MARTIN", "DURAND"):
            household, _g, user = factories.make_household(s, last_name=name, org=org)
            child = factories.make_child(s, household, org=org)
            factories.register(s, canteen, child)
            families.append((factories.actor(s, user), child.id))
        return canteen.id, families


def _session_days(activity_id):
    with db.read() as s:
        return {x.date: x.id for x in s.exec(select(ActivitySession).where(
            ActivitySession.activity_id == activity_id)).all()}


def _book(parent, child, session_id):
    with db.transaction() as s:
        return bookings.book_session(s, actor=parent, child_id=child, session_id=session_id)


def test_previous_week_deadline_closes_after_tuesday_2359_of_the_week_before(frozen):
    activity_id, ((martin, leo), (durand, zoe)) = _town(booking=TUESDAY_2359, cancel=TUESDAY_2359)
    days = _session_days(activity_id)
    for session in (date(2026, 9, 21), date(2026, 9, 24), date(2026, 9, 25)):  # Monday, Thursday, Friday
        frozen.move_to(datetime(2026, 9, 15, 23, 59, 30, tzinfo=clock.PARIS))
        assert _book(martin, leo, days[session]).status == "booked"
        frozen.move_to(datetime(2026, 9, 16, 0, 0, tzinfo=clock.PARIS))
        with pytest.raises(BookingRefused) as refused:
            _book(durand, zoe, days[session])
        assert refused.value.message == ("Délai dépassé : réservation possible jusqu'au "
                                         "mardi 15/09/2026 à 23h59")
    # The week after: the next Tuesday. The Monday before it is not yet the deadline.
    frozen.move_to(datetime(2026, 9, 21, 23, 59, tzinfo=clock.PARIS))
    assert _book(durand, zoe, days[date(2026, 9, 28)]).status == "booked"
    frozen.move_to(datetime(2026, 9, 22, 23, 59, 59, tzinfo=clock.PARIS))
    assert _book(martin, leo, days[date(2026, 9, 28)]).status == "booked"


def test_an_activity_s_first_and_last_days_are_sessions_and_bookable():
    activity_id, ((martin, leo), _durand) = _town(start_date=date(2026, 9, 17), end_date=date(2026, 9, 24))
    days = _session_days(activity_id)
    assert sorted(days) == [date(2026, 9, 17), date(2026, 9, 18), date(2026, 9, 21), date(2026, 9, 22),
                            date(2026, 9, 24)]
    with db.transaction() as s:
        answer = calendar.apply_bulk(s, actor=martin, request=calendar.BulkRequest(
            child_ids=[leo], activity_id=activity_id, date_from=date(2026, 9, 14), date_to=date(2026, 9, 30),
            weekdays=[0, 1, 2, 3, 4, 5, 6]))
    assert [(line.day, line.ok, line.outcome) for line in answer] == [
        (day, True, "Réservé") for day in ("jeu. 17/09/2026", "ven. 18/09/2026", "lun. 21/09/2026",
                                           "mar. 22/09/2026", "jeu. 24/09/2026")]
    with db.read() as s:
        month = calendar.month_view(s, actor=martin, year=2026, month=9, child_id=leo)
    assert [(d.iso, [c.state for c in d.cells]) for d in month.days_with_sessions] == [
        (day.isoformat(), ["booked"]) for day in sorted(days)]
