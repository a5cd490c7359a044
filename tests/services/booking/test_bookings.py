"""Booking, cancelling, waiting lists, closures — through the services, with the real rules."""

from datetime import date, datetime

import pytest
from sqlmodel import select

from cityviz import clock, db
from cityviz.models import Activity, ActivitySession, Booking, Household, Organization, OutboxEmail, Person
from cityviz.services.booking import activities, bookings, closures, rules
from cityviz.services.booking.bookings import BookingRefused, SessionFull
from cityviz.services.errors import AccessDenied, Conflict
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")
# Now: Monday 14/09/2026 10:00. With "2 jours ouvrés, 12h00", Wednesday 16 closed
# on Monday 14 at noon — so Wednesday is still open and Tuesday 15 is not.


@pytest.fixture
def town():
    with db.transaction() as s:
        org = factories.make_organization(s)
        staff = factories.actor(s, factories.make_staff(s, org))
        canteen = factories.make_activity(s, org, staff, capacity=2)
        households = []
        for name in ("MARTIN", "DURAND", "PETIT"):
            household, _g, user = factories.make_household(s, last_name=name, email=f"{name.lower()}@example.org",
                                                           org=org)
            child = factories.make_child(s, household, org=org)
            factories.register(s, canteen, child)
            households.append((factories.actor(s, user), child.id))
        return {"org": org.id, "staff": staff, "canteen": canteen.id, "families": households}


def _session(town, day):
    with db.read() as s:
        return s.exec(select(ActivitySession).where(ActivitySession.activity_id == town["canteen"],
                                                    ActivitySession.date == day)).one()


def _book(actor, child, session_id, **kw):
    with db.transaction() as s:
        return bookings.book_session(s, actor=actor, child_id=child, session_id=session_id, **kw)


def _cancel(actor, child, session_id):
    with db.transaction() as s:
        return bookings.cancel_booking(s, actor=actor, child_id=child, session_id=session_id)


def test_book_then_cancel_within_the_deadlines(town):
    parent, child = town["families"][0]
    thursday = _session(town, date(2026, 9, 17))
    assert _book(parent, child, thursday.id).status == "booked"
    assert _session(town, date(2026, 9, 17)).booked_count == 1
    with pytest.raises(BookingRefused, match="Déjà|Réservé|réservation"):
        _book(parent, child, thursday.id)
    assert _cancel(parent, child, thursday.id).status == "cancelled"
    assert _session(town, date(2026, 9, 17)).booked_count == 0
    assert _book(parent, child, thursday.id).status == "booked"  # a cancelled booking can be made again


def test_deadline_refusal_says_which_deadline(town):
    parent, child = town["families"][0]
    tuesday = _session(town, date(2026, 9, 15))
    with pytest.raises(BookingRefused) as refused:
        _book(parent, child, tuesday.id)
    assert refused.value.message == ("Délai dépassé : réservation possible jusqu'au "
                                     "vendredi 11/09/2026 à 12h00")


def test_cancel_deadline(town, frozen):
    parent, child = town["families"][0]
    thursday = _session(town, date(2026, 9, 17))
    _book(parent, child, thursday.id)
    frozen.move_to(datetime(2026, 9, 15, 12, 1, tzinfo=clock.PARIS))
    with pytest.raises(BookingRefused, match="Annulation impossible : délai dépassé"):
        _cancel(parent, child, thursday.id)


def test_full_session_offers_the_waiting_list_and_promotes_on_cancel(town):
    (p1, c1), (p2, c2), (p3, c3) = town["families"]
    friday = _session(town, date(2026, 9, 18))
    _book(p1, c1, friday.id)
    _book(p2, c2, friday.id)
    with pytest.raises(SessionFull, match="liste d'attente"):
        _book(p3, c3, friday.id)
    outcome = _book(p3, c3, friday.id, join_waiting_list=True)
    assert (outcome.status, outcome.position) == ("waiting", 1)
    _cancel(p1, c1, friday.id)
    with db.read() as s:
        promoted = s.exec(select(Booking).where(Booking.child_id == c3, Booking.session_id == friday.id)).one()
        mails = [m.subject for m in s.exec(select(OutboxEmail).where(OutboxEmail.to_address == "petit@example.org"))]
    assert promoted.status == "booked" and promoted.waiting_position is None
    assert mails == ["Place obtenue – Restauration scolaire le 18/09/2026"]
    session = _session(town, date(2026, 9, 18))
    assert (session.booked_count, session.waiting_count) == (2, 0)


def test_leaving_the_waiting_list_closes_the_gap(town):
    families = town["families"]
    with db.transaction() as s:
        org = s.get(Organization, town["org"])
        extra = []
        for name in ("LEROY", "MOREAU"):
            household, _g, user = factories.make_household(s, last_name=name, email=f"{name.lower()}@example.org",
                                                           org=org)
            child = factories.make_child(s, household, org=org)
            factories.register(s, s.get(Activity,
                                        town["canteen"]), child)
            extra.append((factories.actor(s, user), child.id))
    everyone = families + extra
    monday = _session(town, date(2026, 9, 21))
    for parent, child in everyone[:2]:
        _book(parent, child, monday.id)
    positions = [_book(parent, child, monday.id, join_waiting_list=True).position for parent, child in everyone[2:]]
    assert positions == [1, 2, 3]
    _cancel(*everyone[3], monday.id)  # number 2 leaves
    with db.read() as s:
        waiting = s.exec(select(Booking.child_id, Booking.waiting_position).where(
            Booking.session_id == monday.id, Booking.status == "waiting").order_by(Booking.waiting_position)).all()
    assert waiting == [(everyone[2][1], 1), (everyone[4][1], 2)]


def test_raising_capacity_promotes_the_waiting_children(town):
    (p1, c1), (p2, c2), (p3, c3) = town["families"]
    friday = _session(town, date(2026, 9, 18))
    _book(p1, c1, friday.id)
    _book(p2, c2, friday.id)
    _book(p3, c3, friday.id, join_waiting_list=True)
    with db.transaction() as s:
        activity = activities.get_activity(s, town["staff"], town["canteen"])
        activity.capacity = 3
        activities.sync_sessions(s, activity)
    session = _session(town, date(2026, 9, 18))
    assert (session.capacity, session.booked_count, session.waiting_count) == (3, 3, 0)


def test_capacity_cannot_drop_below_bookings(town):
    (p1, c1), (p2, c2), _ = town["families"]
    friday = _session(town, date(2026, 9, 18))
    _book(p1, c1, friday.id)
    _book(p2, c2, friday.id)
    with pytest.raises(Conflict, match="Capacité trop faible"), db.transaction() as s:
        activity = activities.get_activity(s, town["staff"], town["canteen"])
        activity.capacity = 1
        activities.sync_sessions(s, activity)


def test_closure_cancels_bookings_and_tells_families(town):
    (p1, c1), (p2, c2), (p3, c3) = town["families"]
    friday = _session(town, date(2026, 9, 18))
    _book(p1, c1, friday.id)
    _book(p2, c2, friday.id)
    _book(p3, c3, friday.id, join_waiting_list=True)
    with db.transaction() as s:
        result = closures.create_closure(s, actor=town["staff"], organization_id=town["org"],
                                         start=date(2026, 9, 18), end=date(2026, 9, 18), reason="Grève")
    assert (result.cancelled, result.households) == (3, 3)
    with db.read() as s:
        statuses = {b.cancel_reason for b in s.exec(select(Booking).where(Booking.session_id == friday.id))}
        mail = s.exec(select(OutboxEmail).where(OutboxEmail.to_address == "martin@example.org")).one()
    assert statuses == {"closure"}
    assert "18/09/2026 : Restauration scolaire" in mail.body and "Grève" in mail.body
    with pytest.raises(BookingRefused, match="Fermé : Grève"):
        _book(p1, c1, friday.id)


def test_not_registered_child_cannot_book(town):
    with db.transaction() as s:
        household = s.get(Household,
                          town["families"][0][0].household_id)
        other = factories.make_child(s, household, first_name="Zoé").id
    with pytest.raises(BookingRefused, match="pas inscrit"):
        _book(town["families"][0][0], other, _session(town, date(2026, 9, 17)).id)


def test_a_parent_cannot_book_for_another_household(town):
    (p1, _c1), (_p2, c2), _ = town["families"]
    with pytest.raises(AccessDenied):
        _book(p1, c2, _session(town, date(2026, 9, 17)).id)
    with pytest.raises(AccessDenied):
        _book(town["staff"], c2, _session(town, date(2026, 9, 17)).id)


def test_late_bookings_are_flagged_for_the_surcharge(town):
    with db.transaction() as s:
        org = s.get(Organization, town["org"])
        care = factories.make_activity(s, org, town["staff"], name="Garderie du soir", kind="evening_care",
                                       unit="hour", booking=rules.NoticeRule("none"),
                                       late=rules.NoticeRule("calendar_days", 2, 18 * 60),
                                       late_surcharge_percent=50)
        parent, child_id = town["families"][0]
        factories.register(s, care, s.get(Person, child_id))
        tomorrow = factories.session_on(s, care, date(2026, 9, 15)).id
        later = factories.session_on(s, care, date(2026, 9, 21)).id
    assert _book(parent, child_id, tomorrow).late is True
    assert _book(parent, child_id, later).late is False


def _more_families(town, *names):
    with db.transaction() as s:
        org, canteen = s.get(Organization, town["org"]), s.get(Activity, town["canteen"])
        extra = []
        for name in names:
            household, _g, user = factories.make_household(s, last_name=name, email=f"{name.lower()}@example.org",
                                                           org=org)
            child = factories.make_child(s, household, org=org)
            factories.register(s, canteen, child)
            extra.append((factories.actor(s, user), child.id))
    return town["families"] + extra


def test_raising_capacity_by_two_promotes_the_first_two_in_order(town):
    everyone = _more_families(town, "LEROY", "MOREAU")
    friday = _session(town, date(2026, 9, 18))
    for parent, child in everyone[:2]:
        _book(parent, child, friday.id)
    for parent, child in everyone[2:]:
        _book(parent, child, friday.id, join_waiting_list=True)
    with db.transaction() as s:
        activity = activities.get_activity(s, town["staff"], town["canteen"])
        activity.capacity = 4
        activities.sync_sessions(s, activity)
    with db.read() as s:
        rows = {b.child_id: (b.status, b.waiting_position, b.is_late)
                for b in s.exec(select(Booking).where(Booking.session_id == friday.id))}
        told = {m.to_address for m in s.exec(select(OutboxEmail).where(OutboxEmail.subject.startswith("Place")))}
    assert [rows[c] for _p, c in everyone[2:]] == [("booked", None, False), ("booked", None, False),
                                                    ("waiting", 1, False)]
    assert told == {"petit@example.org", "leroy@example.org"}
    session = _session(town, date(2026, 9, 18))
    assert (session.capacity, session.booked_count, session.waiting_count) == (4, 4, 1)


def test_a_promotion_is_never_surcharged_as_late(town):
    """The family asked in time: the place it gets later is billed without the late surcharge."""
    (p1, c1), (p2, c2), _ = town["families"]
    with db.transaction() as s:
        care = factories.make_activity(s, s.get(Organization, town["org"]), town["staff"], name="Garderie",
                                       kind="evening_care", unit="hour", capacity=1,
                                       booking=rules.NoticeRule("none"),
                                       late=rules.NoticeRule("calendar_days", 2, 18 * 60), late_surcharge_percent=50)
        for child in (c1, c2):
            factories.register(s, care, s.get(Person, child))
        care_id, tomorrow = care.id, factories.session_on(s, care, date(2026, 9, 15)).id
    assert _book(p1, c1, tomorrow).late is True
    assert _book(p2, c2, tomorrow, join_waiting_list=True).status == "waiting"
    with db.transaction() as s:
        care = activities.get_activity(s, town["staff"], care_id)
        care.capacity = 2
        activities.sync_sessions(s, care)
    with db.read() as s:
        promoted = s.exec(select(Booking).where(Booking.child_id == c2, Booking.session_id == tomorrow)).one()
    assert (promoted.status, promoted.is_late) == ("booked", False)


def test_rows_loaded_earlier_in_the_transaction_read_the_new_values(town):
    """The writes are Core statements: the ORM copies already loaded are refreshed, not left stale."""
    (p1, c1), (p2, c2), (p3, c3) = town["families"]
    friday = _session(town, date(2026, 9, 18))
    _book(p1, c1, friday.id)
    with db.transaction() as s:
        session = s.get(ActivitySession, friday.id)
        mine = s.exec(select(Booking).where(Booking.child_id == c1)).one()
        assert (session.booked_count, mine.status) == (1, "booked")
        bookings.book_session(s, actor=p2, child_id=c2, session_id=friday.id)
        bookings.book_session(s, actor=p3, child_id=c3, session_id=friday.id, join_waiting_list=True)
        assert (session.booked_count, session.waiting_count) == (2, 1)
        bookings.cancel_booking(s, actor=p1, child_id=c1, session_id=friday.id)
        assert (session.booked_count, session.waiting_count, mine.status) == (2, 0, "cancelled")
        waiting = s.exec(select(Booking).where(Booking.child_id == c3)).one()
        assert (waiting.status, waiting.waiting_position) == ("booked", None)
