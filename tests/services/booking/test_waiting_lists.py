"""A waiting list closes when the booking deadline passes: a job, due at that moment."""

from datetime import date, datetime

import pytest
from sqlmodel import select

from cityviz import clock, db, jobs
from cityviz.models import Activity, Booking, Job, OutboxEmail
from tests.services.booking import test_bookings
from tests.services.booking.test_bookings import _book, _cancel, _session

pytestmark = pytest.mark.usefixtures("database", "frozen")
town = test_bookings.town  # the fixture, here too
FRIDAY = date(2026, 9, 18)  # booking deadline « 2 jours ouvrés, 12h00 »: Wednesday 16/09 at noon
CLOSES = datetime(2026, 9, 16, 12, 1, tzinfo=clock.PARIS)  # 12:00 itself still allows booking


def _full_friday_with_one_waiting(town):
    (p1, c1), (p2, c2), (p3, c3) = town["families"]
    friday = _session(town, FRIDAY)
    _book(p1, c1, friday.id)
    _book(p2, c2, friday.id)
    assert _book(p3, c3, friday.id, join_waiting_list=True).status == "waiting"
    return friday, c3


def _job() -> Job:
    with db.read() as s:
        return s.exec(select(Job).where(Job.name == "booking.close_waiting_list")).one()


def test_joining_a_waiting_list_schedules_its_closing_at_the_booking_deadline(town):
    _friday, _child = _full_friday_with_one_waiting(town)
    job = _job()
    assert (job.status, job.run_after, job.organization_id) == ("queued", CLOSES, town["org"])
    assert job.label == "Clôture de la liste d'attente : Restauration scolaire du 18/09/2026"


def test_at_the_deadline_the_children_still_waiting_are_told_there_is_no_place(town, frozen):
    friday, child = _full_friday_with_one_waiting(town)
    frozen.move_to(datetime(2026, 9, 16, 12, 0, 59, tzinfo=clock.PARIS))
    assert jobs.run_due() == []
    frozen.move_to(CLOSES)
    assert [o.status for o in jobs.run_due()] == ["succeeded"]
    with db.read() as s:
        booking = s.exec(select(Booking).where(Booking.child_id == child, Booking.session_id == friday.id)).one()
        subjects = [m.subject for m in s.exec(select(OutboxEmail).where(OutboxEmail.to_address == "petit@example.org"))]
    assert (booking.status, booking.cancel_reason, booking.waiting_position) == ("cancelled", "waitlist", None)
    assert subjects == ["Pas de place – Restauration scolaire le 18/09/2026"]
    assert _session(town, FRIDAY).waiting_count == 0
    assert _job().result == "Liste d'attente close : 1 famille(s) prévenue(s)."


def test_a_child_promoted_before_the_deadline_is_left_alone(town, frozen):
    friday, child = _full_friday_with_one_waiting(town)
    p1, c1 = town["families"][0]
    _cancel(p1, c1, friday.id)  # a place frees up: the waiting child gets it at once
    frozen.move_to(datetime(2026, 9, 16, 12, 1, tzinfo=clock.PARIS))
    jobs.run_due()
    with db.read() as s:
        booking = s.exec(select(Booking).where(Booking.child_id == child, Booking.session_id == friday.id)).one()
    assert booking.status == "booked"
    assert _job().result == "Plus personne n'attend pour cette date."


def test_a_deadline_moved_later_makes_the_job_wait_for_it(town, frozen):
    _full_friday_with_one_waiting(town)
    with db.transaction() as s:  # staff shorten the notice: one working day
        activity = s.get(Activity, town["canteen"])
        activity.booking_notice_days = 1
        s.add(activity)
    frozen.move_to(datetime(2026, 9, 16, 12, 1, tzinfo=clock.PARIS))
    [outcome] = jobs.run_due()
    assert outcome.status == "queued"
    job = _job()
    assert (job.status, job.attempts) == ("queued", 0)
    assert job.run_after == datetime(2026, 9, 17, 12, 1, tzinfo=clock.PARIS)
