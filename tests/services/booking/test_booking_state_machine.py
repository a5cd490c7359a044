"""Stateful property test: random sequences of bookings, cancellations,
waiting-list moves, capacity raises and clock jumps keep the invariants."""

import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import time_machine
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlmodel import select

from cityviz import clock, db, schema
from cityviz.models import Activity, ActivitySession, Booking
from cityviz.services.booking import activities, bookings, rules
from cityviz.services.errors import DomainError
from tests import factories

CHILDREN = 4
_TEMPLATE: Path | None = None


def _fresh_engine():
    """A brand new migrated SQLite database per example (copied from a template)."""
    global _TEMPLATE
    if _TEMPLATE is None:
        _TEMPLATE = Path(tempfile.mkdtemp()) / "template.db"
        engine = db.make_engine(f"sqlite:///{_TEMPLATE}")
        schema.migrate(engine)
        engine.dispose()
    path = Path(tempfile.mkdtemp()) / "machine.db"
    shutil.copyfile(_TEMPLATE, path)
    return db.make_engine(f"sqlite:///{path}")


class BookingMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.travel = time_machine.travel(datetime(2026, 9, 14, 10, 0, tzinfo=clock.PARIS), tick=False)
        self.traveller = self.travel.start()
        db.set_engine(_fresh_engine())
        with db.transaction() as s:
            org = factories.make_organization(s)
            self.staff = factories.actor(s, factories.make_staff(s, org))
            canteen = factories.make_activity(s, org, self.staff, capacity=2,
                                              booking=rules.NoticeRule("working_days", 1, 12 * 60),
                                              cancel=rules.NoticeRule("working_days", 1, 12 * 60))
            self.activity_id = canteen.id
            self.session_id = factories.session_on(s, canteen, datetime(2026, 9, 18).date()).id
            self.rules = rules.ActivityRules.from_activity(canteen)
            self.families = []
            for n in range(CHILDREN):
                household, _g, user = factories.make_household(s, last_name=f"F{n}", email=f"m{n}@example.org")
                child = factories.make_child(s, household)
                factories.register(s, canteen, child)
                self.families.append((factories.actor(s, user), child.id))

    def teardown(self):
        db.set_engine(None)
        self.travel.stop()

    def _state(self):
        with db.read() as s:
            session = s.get(ActivitySession, self.session_id)
            rows = s.exec(select(Booking).where(Booking.session_id == self.session_id)).all()
        return session, rows

    @rule(n=st.integers(0, CHILDREN - 1), join=st.booleans())
    def book(self, n, join):
        actor, child = self.families[n]
        now = clock.now()
        try:
            with db.transaction() as s:
                outcome = bookings.book_session(s, actor=actor, child_id=child, session_id=self.session_id,
                                                join_waiting_list=join)
        except DomainError:
            return
        # Nothing is ever booked past the deadline.
        assert self.rules.can_book_in_time(now, datetime(2026, 9, 18).date()), outcome

    @rule(n=st.integers(0, CHILDREN - 1))
    def cancel(self, n):
        actor, child = self.families[n]
        try:
            with db.transaction() as s:
                bookings.cancel_booking(s, actor=actor, child_id=child, session_id=self.session_id)
        except DomainError:
            pass

    @precondition(lambda self: self._state()[0].capacity < 4)
    @rule()
    def raise_capacity(self):
        with db.transaction() as s:
            activity = s.get(Activity, self.activity_id)
            activity.capacity += 1
            activities.sync_sessions(s, activity)

    @rule(hours=st.integers(1, 30))
    def advance_clock(self, hours):
        self.traveller.shift(timedelta(hours=hours))

    @invariant()
    def counters_match_rows_and_capacity(self):
        session, rows = self._state()
        booked = [b for b in rows if b.status == "booked"]
        waiting = sorted(b.waiting_position for b in rows if b.status == "waiting")
        assert len(booked) == session.booked_count <= session.capacity
        assert waiting == list(range(1, len(waiting) + 1)) and len(waiting) == session.waiting_count
        assert len({b.child_id for b in rows}) == len(rows)

    @invariant()
    def no_free_place_while_someone_waits_in_time(self):
        session, _rows = self._state()
        if self.rules.can_book_in_time(clock.now(), session.date) and session.waiting_count:
            assert session.booked_count == session.capacity


BookingMachine.TestCase.settings = settings(max_examples=30, stateful_step_count=25,
                                            deadline=None)
TestBookingMachine = BookingMachine.TestCase
