"""What staff adjust after the fact: lifting a closure, the places of one date, raising an
activity's maximum of enrolled children (the waiting registrations move in)."""

from datetime import date

import pytest
from sqlmodel import select

from cityviz import db
from cityviz.models import ActivityRegistration, AuditEntry, Booking, Closure, OutboxEmail
from cityviz.services.booking import activities, closures, rules, session_capacity
from cityviz.services.errors import AccessDenied, Conflict, InvalidInput
from tests import factories
from tests.services.booking import test_attendance
from tests.services.booking.test_attendance import FRIDAY, THURSDAY, _book, _close, _session

pytestmark = pytest.mark.usefixtures("database", "frozen")
town = test_attendance.town  # the same town (canteen of 3 places, three children booked today)


def _mails(address):
    with db.read() as s:
        return s.exec(select(OutboxEmail).where(OutboxEmail.to_address == address).order_by(OutboxEmail.id)).all()


def _lift(town, closure_id, actor=None):
    with db.transaction() as s:
        return closures.lift_closure(s, actor=actor or town["staff"], closure_id=closure_id)


# --- Lifting a closure ----------------------------------------------------------------------------

def test_lifting_a_closure_reopens_its_dates_keeps_bookings_cancelled_and_tells_the_families(town):
    _book(town, "MARTIN", "Léo", FRIDAY)
    _book(town, "DURAND", "Jade", FRIDAY)
    closed = _close(town, THURSDAY, FRIDAY, reason="Grève")
    assert _session(town, FRIDAY).closure_id == closed.closure_id
    result = _lift(town, closed.closure_id)
    assert (result.sessions, result.households) == (2, 2)
    friday = _session(town, FRIDAY)
    assert (friday.closure_id, friday.booked_count) == (None, 0)
    with db.read() as s:
        statuses = s.exec(select(Booking.status, Booking.cancel_reason).where(Booking.session_id == friday.id)).all()
        closure = s.get(Closure, closed.closure_id)
        rows = closures.list_closures(s, actor=town["staff"], organization_id=town["org"])
        audited = s.exec(select(AuditEntry).where(AuditEntry.action == "closure.lift")).one()
    assert sorted(statuses) == [("cancelled", "closure"), ("cancelled", "closure")]  # not restored
    assert closure.lifted_at is not None and closure.lifted_by_id == town["staff"].user_id
    assert rows[0].lifted == "Levée le 14/09/2026"
    assert audited.object_id == closed.closure_id
    mail = _mails("durand@example.org")[-1]
    assert mail.subject == "Fermeture levée : vous pouvez réserver de nouveau"
    assert "- 18/09/2026 : Restauration scolaire (Jade)" in mail.body and "ne sont pas rétablies" in mail.body
    _book(town, "DURAND", "Jade", FRIDAY)  # the date can be booked again
    assert _session(town, FRIDAY).booked_count == 1


def test_a_lifted_closure_cannot_be_lifted_twice_and_another_closure_still_holds(town):
    first = _close(town, THURSDAY, FRIDAY, reason="Grève")
    _close(town, FRIDAY, FRIDAY, reason="Sortie", activity_id=town["canteen"])
    # Friday was already closed by the first: the second holds only once the first is lifted.
    result = _lift(town, first.closure_id)
    assert result.sessions == 1  # Thursday reopens; Friday stays closed by the other closure
    assert _session(town, THURSDAY).closure_id is None
    assert _session(town, FRIDAY).closure_id is not None
    with pytest.raises(Conflict, match="déjà levée"):
        _lift(town, first.closure_id)


def test_a_lifted_closure_no_longer_closes_dates_created_later(town):
    closed = _close(town, date(2026, 10, 19), date(2026, 10, 30), reason="Vacances")
    _lift(town, closed.closure_id)
    with db.transaction() as s:
        org = s.get(factories.Organization, town["org"])
        leisure = factories.make_activity(s, org, town["staff"], name="Loisirs", kind="leisure", unit="day",
                                          weekdays=[2])
    assert _session(town, date(2026, 10, 21), leisure.id).closure_id is None


def test_only_staff_of_the_organization_lift_a_closure(town):
    closed = _close(town, THURSDAY, FRIDAY)
    with db.transaction() as s:
        stranger = factories.actor(s, factories.make_staff(s, factories.make_organization(s)))
    with pytest.raises(AccessDenied):
        _lift(town, closed.closure_id, actor=stranger)
    with pytest.raises(AccessDenied):
        _lift(town, closed.closure_id, actor=town["parents"]["MARTIN"])
    assert _session(town, FRIDAY).closure_id == closed.closure_id


# --- Capacity of one date -------------------------------------------------------------------------

def _capacity(town, day, capacity, actor=None):
    with db.transaction() as s:
        return session_capacity.set_session_capacity(s, actor=actor or town["staff"],
                                                     session_id=_session(town, day).id, capacity=capacity)


def test_capacity_of_one_date_changes_only_that_date_and_survives_saving_the_activity(town):
    assert _capacity(town, FRIDAY, 1) == 0
    assert (_session(town, FRIDAY).capacity, _session(town, THURSDAY).capacity) == (1, 3)
    _book(town, "MARTIN", "Léo", FRIDAY)
    outcome = _book(town, "DURAND", "Jade", FRIDAY, join_waiting_list=True)
    assert outcome.status == "waiting"
    with db.transaction() as s:  # the activity is saved again with 5 places: Friday keeps its own
        canteen = activities.get_activity(s, town["staff"], town["canteen"])
        canteen.capacity = 5
        activities.sync_sessions(s, canteen)
    assert (_session(town, FRIDAY).capacity, _session(town, THURSDAY).capacity) == (1, 5)
    # Raising that date gives the place to the first child waiting, who is told.
    assert _capacity(town, FRIDAY, 2) == 1
    friday = _session(town, FRIDAY)
    assert (friday.booked_count, friday.waiting_count) == (2, 0)
    assert _mails("durand@example.org")[-1].subject.startswith("Place obtenue")
    with db.read() as s:
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "session.capacity")).all()[-1]
    assert '"before": 1' in entry.details and '"capacity": 2' in entry.details


def test_capacity_of_one_date_never_below_the_children_booked(town):
    with pytest.raises(InvalidInput, match="3 enfant\\(s\\) déjà réservé\\(s\\) le 14/09/2026"):
        _capacity(town, date(2026, 9, 14), 2)
    with pytest.raises(InvalidInput, match="entre 0 et 2000"):
        _capacity(town, FRIDAY, -1)
    with db.transaction() as s:
        stranger = factories.actor(s, factories.make_staff(s, factories.make_organization(s)))
    with pytest.raises(AccessDenied):
        _capacity(town, FRIDAY, 10, actor=stranger)
    assert _session(town, FRIDAY).capacity == 3


# --- Raising the maximum of enrolled children -------------------------------------------------------

def _input(**overrides):
    values = dict(name="Restauration scolaire", kind="canteen", unit="meal", start_date=date(2026, 9, 1),
                  end_date=date(2026, 12, 18), weekdays=[0, 1, 3, 4], start_minutes=11 * 60 + 45,
                  end_minutes=13 * 60 + 30, capacity=30, booking=rules.NoticeRule("none"),
                  cancel=rules.NoticeRule("none"), price_bands=[(500, 120), (900, 250), (None, 360)])
    return activities.ActivityInput(**{**values, **overrides})


def test_raising_the_maximum_promotes_the_waiting_registrations_in_order(town):
    with db.transaction() as s:
        org = s.get(factories.Organization, town["org"])
        activity = factories.make_activity(s, org, town["staff"], name="Judo", kind="leisure", max_enrolled=1)
        children = []
        for name in ("AUBERT", "BLANC", "COLIN", "DUPUY"):
            household, _g, _u = factories.make_household(s, last_name=name, email=f"{name.lower()}@example.org",
                                                         org=org)
            child = factories.make_child(s, household, first_name=name.capitalize(), org=org)
            registration = factories.register(s, activity, child)
            if name != "AUBERT":
                registration.status, registration.waiting_position = "waiting", len(children)
                s.add(registration)
                s.flush()
            children.append(child.id)
        activity_id = activity.id
    with db.transaction() as s:
        activities.save_activity(s, actor=town["staff"], organization_id=town["org"], activity_id=activity_id,
                                 data=_input(name="Judo", kind="leisure", max_enrolled=3))
    with db.read() as s:
        rows = s.exec(select(ActivityRegistration.child_id, ActivityRegistration.status,
                             ActivityRegistration.waiting_position)
                      .where(ActivityRegistration.activity_id == activity_id).order_by(ActivityRegistration.id)).all()
    assert rows == [(children[0], "validated", None), (children[1], "validated", None),
                    (children[2], "validated", None), (children[3], "waiting", 1)]
    assert "est validée" in _mails("blanc@example.org")[-1].body
    assert not any("est validée" in m.body for m in _mails("dupuy@example.org"))
    with db.transaction() as s:  # no maximum any more: everyone waiting is in
        activities.save_activity(s, actor=town["staff"], organization_id=town["org"], activity_id=activity_id,
                                 data=_input(name="Judo", kind="leisure", max_enrolled=None))
    with db.read() as s:
        waiting = s.exec(select(ActivityRegistration).where(ActivityRegistration.activity_id == activity_id,
                                                            ActivityRegistration.status == "waiting")).all()
    assert waiting == []
