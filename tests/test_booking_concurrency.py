"""Never overbook: 60 parents try to book the same 5 places at the same
instant, each through its own database connection — on SQLite and (with
`make test-pg`) on PostgreSQL. A negative control runs the naive
check-then-insert under the same load and must overbook, which shows the
test is able to fail."""

import threading
import time
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.pool import NullPool
from sqlmodel import select

from cityviz import db
from cityviz.models import ActivitySession, Booking, Person
from cityviz.services.booking import bookings
from cityviz.services.errors import DomainError
from tests import factories

pytestmark = pytest.mark.usefixtures("frozen")
PARENTS = 60
CAPACITY = 5
DAY = date(2026, 9, 24)


@pytest.fixture
def rush(database):
    with db.transaction() as s:
        org = factories.make_organization(s)
        canteen = factories.make_activity(s, org, capacity=CAPACITY)
        parents = []
        for n in range(PARENTS):
            household, _g, user = factories.make_household(s, last_name=f"F{n}", email=f"p{n}@example.org")
            child = factories.make_child(s, household)
            factories.register(s, canteen, child)
            parents.append((factories.actor(s, user), child.id))
        session_id = factories.session_on(s, canteen, DAY).id
    # Every attempt gets its own connection, as separate workers would.
    db.set_engine(db.make_engine(database, poolclass=NullPool))
    return parents, session_id


def _fire(attempts) -> list:
    barrier = threading.Barrier(len(attempts))
    results = [None] * len(attempts)

    def run(i, attempt):
        barrier.wait()
        try:
            results[i] = attempt()
        except DomainError as exc:
            results[i] = exc
    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_sixty_concurrent_bookings_for_five_places(rush):
    parents, session_id = rush

    def attempt(actor, child):
        def go():
            with db.transaction() as s:
                return bookings.book_session(s, actor=actor, child_id=child, session_id=session_id,
                                             join_waiting_list=True)
        return go

    results = _fire([attempt(a, c) for a, c in parents])
    assert not [r for r in results if isinstance(r, Exception)]
    with db.read() as s:
        session = s.get(ActivitySession, session_id)
        rows = s.exec(select(Booking).where(Booking.session_id == session_id)).all()
    booked = [b for b in rows if b.status == "booked"]
    waiting = sorted(b.waiting_position for b in rows if b.status == "waiting")
    assert len(booked) == CAPACITY == session.booked_count
    assert waiting == list(range(1, PARENTS - CAPACITY + 1)) and session.waiting_count == PARENTS - CAPACITY
    assert len({b.child_id for b in rows}) == PARENTS


def test_negative_control_naive_check_then_insert_overbooks(rush):
    """The mistake the service avoids: count, then insert, in the driver's
    default transactions (pysqlite: no BEGIN before the SELECT; PostgreSQL:
    READ COMMITTED). Under the same load it books more children than places."""
    parents, session_id = rush
    engine = db.get_engine()

    def naive(child_id, household_id):
        def work(execute):
            if execute("SELECT count(*) FROM booking WHERE session_id = ? AND status = 'booked'",
                       (session_id,)).fetchone()[0] < CAPACITY:
                time.sleep(0.05)  # the work done between the check and the write
                execute("INSERT INTO booking (session_id, child_id, household_id, status, is_late, created_at,"
                        " updated_at) VALUES (?, ?, ?, 'booked', false, '2026-09-14 08:00:00',"
                        " '2026-09-14 08:00:00')", (session_id, child_id, household_id))
        return lambda: _naive(engine, work)

    with db.read() as s:
        households = {c: s.get(Person, c).household_id for _a, c in parents}
    _fire([naive(c, households[c]) for _a, c in parents])
    with db.read() as s:
        booked = s.exec(text("SELECT count(*) FROM booking WHERE status = 'booked'")).one()[0]
    assert booked > CAPACITY, "the naive path should have overbooked"


def _sql(statement: str, engine) -> str:
    return statement if engine.dialect.name == "sqlite" else statement.replace("?", "%s")


def _naive(engine, work) -> None:
    """Run `work(execute)` the way a careless service would: in the driver's default transaction
    (pysqlite: no BEGIN before the first write; PostgreSQL: READ COMMITTED), without any lock,
    then commit. `execute(sql, params)` takes "?" placeholders. A writer the database refuses
    (SQLite busy) wrote nothing."""
    connection = engine.raw_connection()
    try:
        if engine.dialect.name == "sqlite":
            connection.driver_connection.isolation_level = ""  # back to pysqlite's default behaviour
        cursor = connection.cursor()

        def execute(sql, params=()):
            cursor.execute(_sql(sql, engine), params)
            return cursor
        work(execute)
        connection.commit()
    except Exception:  # noqa: BLE001
        connection.rollback()
    finally:
        connection.close()
