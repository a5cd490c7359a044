"""« Tableau de bord » on a bench town of 3,000 households: server time of the figures.

Builds (bulk Core inserts) one organization with an admin, the 4 usual activities made by the
staff service, N households (a guardian with an account, 1-2 children registered), ~10 billable
facts per child in September and October 2026, both months issued by the real service
(periods.issue_all: ~2 invoices per household), payments for about 70 % of the invoices, and on
the day measured (Monday 16/11/2026, Paris) 1,500+ bookings today and tomorrow, half of today's
attendance marked, 5 % of dossiers submitted, 100 enrolments pending.

Timed (median / p95 of --runs calls, each in its own db.read(), as a page event does):
  board   dashboard.today_board for the admin (every figure)
  raw     the same figures by hand-written SQL (text(), one connection, no ORM, no formatting):
          the floor for these queries on this database, in this process
"x" = board / raw. Checks: the board's figures equal the raw ones.
Exit status 1 (FAIL: reason) if a check fails or the board's median passes 100 ms.

    .venv/bin/python bench/dashboard.py [--households 3000] [--runs 30] [--database-url URL]

A PostgreSQL URL's public schema is DROPPED and recreated: use a scratch database.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--households", type=int, default=3000)
parser.add_argument("--runs", type=int, default=30)
parser.add_argument("--database-url", default="", help="default: a temporary SQLite file")
ARGS = parser.parse_args()
_tmp = Path(tempfile.mkdtemp(prefix="cityviz-bench-"))
os.environ.update(CITYVIZ_BCRYPT_ROUNDS="4", CITYVIZ_DATA_DIR=str(_tmp), PYTEST_CURRENT_TEST="bench",
                  CITYVIZ_DATABASE_URL=ARGS.database_url or f"sqlite:///{_tmp / 'bench.db'}")
for _name in ("CITYVIZ_SMTP_HOST", "CITYVIZ_FAKE_NOW"):
    os.environ.pop(_name, None)

import time_machine  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import select  # noqa: E402

from cityviz import clock, db, schema  # noqa: E402
from cityviz.models import (  # noqa: E402
    ActivityRegistration,
    ActivitySession,
    Attendance,
    Booking,
    Enrollment,
    Household,
    Invoice,
    Payment,
    PaymentAllocation,
    Person,
    User,
)
from cityviz.services.backoffice import dashboard  # noqa: E402
from cityviz.services.billing import periods  # noqa: E402
from cityviz.services.booking import rules  # noqa: E402
from tests import factories  # noqa: E402

BUDGET_MS = 100.0
TODAY = date(2026, 11, 16)
NOW = datetime(2026, 11, 16, 10, 0, tzinfo=clock.PARIS)
ACTIVITIES = [dict(name="Restauration scolaire", kind="canteen", unit="meal"),
              dict(name="Garderie du matin", kind="morning_care", unit="hour", start_minutes=450, end_minutes=510),
              dict(name="Garderie du soir", kind="evening_care", unit="hour", start_minutes=990, end_minutes=1110),
              dict(name="Accueil de loisirs du mercredi", kind="leisure", unit="day", weekdays=[2],
                   start_minutes=480, end_minutes=1080)]


def ids(conn, model, rows: list[dict]) -> list[int]:
    table = model.__table__
    return [r[0] for r in conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)]


def build(traveller) -> tuple[int, object]:
    rng = random.Random(2026)
    traveller.move_to(datetime(2026, 8, 25, 9, 0, tzinfo=clock.PARIS))
    with db.transaction() as s:
        org = factories.make_organization(s, name="Bretteville-sur-Odon")
        admin = factories.actor(s, factories.make_staff(s, org, role="admin"))
        activities = [factories.make_activity(s, org, admin, capacity=2000, booking=rules.NoticeRule("none"),
                                              cancel=rules.NoticeRule("none"), **spec) for spec in ACTIVITIES]
        conn, now = s.connection(), clock.now()
        sessions = s.exec(select(ActivitySession.id, ActivitySession.activity_id, ActivitySession.date).where(
            ActivitySession.activity_id.in_([a.id for a in activities]))).all()
        past = [x for x in sessions if date(2026, 9, 1) <= x.date < date(2026, 11, 1)]
        homes = ids(conn, Household, [dict(street="1 rue des Écoles", postal_code="14760", city="Bretteville",
                                           created_at=now) for _ in range(ARGS.households)])
        guardians = ids(conn, Person, [dict(household_id=h, role="guardian", first_name="Camille",
                                            last_name=f"FAMILLE{n}", created_at=now) for n, h in enumerate(homes)])
        conn.execute(insert(User.__table__), [dict(email=f"parent{n}@example.org", person_id=p, created_at=now)
                                              for n, p in enumerate(guardians)])
        child_homes = homes + [rng.choice(homes) for _ in range(ARGS.households // 2)]
        kids = ids(conn, Person, [dict(household_id=h, role="child", first_name="Léo", last_name="FAMILLE",
                                       school_level="CE1", created_at=now) for h in child_homes])
        conn.execute(insert(Enrollment.__table__), [
            dict(person_id=p, household_id=h, organization_id=org.id, created_at=now, updated_at=now,
                 status="submitted" if rng.random() < .05 else "validated")
            for p, h in [*zip(guardians, homes), *zip(kids, child_homes)]])
        conn.execute(insert(ActivityRegistration.__table__), [
            dict(activity_id=a.id, child_id=c, household_id=h, requested_at=now,
                 status="pending" if a.kind == "leisure" and n < 100 else "validated")
            for n, (c, h) in enumerate(zip(kids, child_homes)) for a in activities])
        bookings, marks = [], []
        for child, home in zip(kids, child_homes):
            for session_id, _a, day in rng.sample(past, 10):
                row = dict(session_id=session_id, child_id=child, household_id=home)
                bookings.append(dict(row, status="booked", created_at=now, updated_at=now))
                marks.append(dict(row, status="present", marked_at=clock.paris_datetime(day, 18)))
        canteen = {x.date: x.id for x in sessions if x.activity_id == activities[0].id}
        for day in (TODAY, TODAY + timedelta(days=1)):
            for child, home in zip(kids, child_homes):
                if rng.random() < .4:
                    row = dict(session_id=canteen[day], child_id=child, household_id=home)
                    bookings.append(dict(row, status="booked", created_at=now, updated_at=now))
                    if day == TODAY and rng.random() < .5:
                        marks.append(dict(row, status="present", marked_at=now))
        conn.execute(insert(Booking.__table__), bookings)
        conn.execute(insert(Attendance.__table__), marks)
        for session_id in {b["session_id"] for b in bookings}:  # the counters the booking service keeps
            conn.execute(text("UPDATE activity_session SET booked_count = (SELECT count(*) FROM booking WHERE "
                              "session_id = :sid AND status = 'booked') WHERE id = :sid"), {"sid": session_id})
    for month, day in (("2026-09", date(2026, 10, 5)), ("2026-10", date(2026, 11, 3))):
        traveller.move_to(datetime.combine(day, datetime.min.time(), clock.PARIS) + timedelta(hours=9))
        periods.issue_all(db.transaction, actor=admin, organization_id=org.id, month=month)
    traveller.move_to(NOW)
    with db.transaction() as s:
        conn = s.connection()
        invoices = s.exec(select(Invoice.id, Invoice.household_id, Invoice.total_cents)).all()
        paid = [i for i in invoices if rng.random() < .7]
        payment_ids = ids(conn, Payment, [dict(organization_id=org.id, household_id=h, method="cheque",
                                               amount_cents=cents, received_on=TODAY, reference="bench",
                                               recorded_at=clock.now()) for _i, h, cents in paid])
        conn.execute(insert(PaymentAllocation.__table__), [dict(payment_id=p, invoice_id=i, amount_cents=cents)
                                                           for p, (i, _h, cents) in zip(payment_ids, paid)])
    print(f"town: {ARGS.households} households, {len(kids)} children, {len(bookings)} bookings, "
          f"{len(marks)} attendances, {len(invoices)} invoices ({len(paid)} paid)")
    return org.id, admin


RAW = {
    "today": "SELECT a.id, s.booked_count, s.capacity FROM activity a JOIN activity_session s ON s.activity_id = a.id "
             "WHERE a.organization_id = :org AND s.date IN (:today, :tomorrow)",
    "to_mark": "SELECT count(*) FROM booking b JOIN activity_session s ON s.id = b.session_id "
               "JOIN activity a ON a.id = s.activity_id LEFT JOIN attendance t ON t.session_id = b.session_id "
               "AND t.child_id = b.child_id WHERE a.organization_id = :org AND s.date = :today "
               "AND s.closure_id IS NULL AND b.status = 'booked' AND t.id IS NULL",
    "dossiers": "SELECT count(*) FROM enrollment WHERE organization_id = :org AND status = 'submitted'",
    "registrations": "SELECT count(*) FROM activity_registration r JOIN activity a ON a.id = r.activity_id "
                     "WHERE a.organization_id = :org AND r.status = 'pending'",
    "unpaid": "SELECT count(*), coalesce(sum(left_cents), 0), sum(CASE WHEN due_date < :today THEN 1 ELSE 0 END) "
              "FROM (SELECT i.due_date, i.total_cents - coalesce(p.cents, 0) - coalesce(c.cents, 0) AS left_cents "
              "FROM invoice i LEFT JOIN (SELECT pa.invoice_id, sum(pa.amount_cents) AS cents FROM payment_allocation "
              "pa JOIN payment y ON y.id = pa.payment_id WHERE y.reversed_at IS NULL GROUP BY pa.invoice_id) p "
              "ON p.invoice_id = i.id LEFT JOIN (SELECT invoice_id, sum(amount_cents) AS cents FROM "
              "credit_allocation GROUP BY invoice_id) c ON c.invoice_id = i.id WHERE i.organization_id = :org "
              "AND i.id NOT IN (SELECT invoice_id FROM direct_debit WHERE status <> 'rejected')) x "
              "WHERE left_cents > 0",
}


def raw_figures(org_id: int) -> dict:
    params = {"org": org_id, "today": TODAY, "tomorrow": TODAY + timedelta(days=1)}
    with db.read() as s:
        conn = s.connection()
        return {name: conn.execute(text(sql), params).all() for name, sql in RAW.items()}


def timed(fn) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(ARGS.runs):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return times, result


def board_of(org_id, admin):
    with db.read() as s:
        return dashboard.today_board(s, actor=admin, organization_id=org_id)


def main() -> int:
    engine = db.get_engine()
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    schema.migrate(engine)
    with time_machine.travel(NOW, tick=True) as traveller:
        started = time.perf_counter()
        org_id, admin = build(traveller)
        print(f"built in {time.perf_counter() - started:.1f} s ({engine.dialect.name})")
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        board_of(org_id, admin), raw_figures(org_id)  # warm
        board_times, board = timed(lambda: board_of(org_id, admin))
        raw_times, raw = timed(lambda: raw_figures(org_id))
    figures = {f.query or f.page: f.value for f in board.figures}
    count, cents, late = raw["unpaid"][0]
    expected = {"attendance": raw["to_mark"][0][0], "dossiers": raw["dossiers"][0][0],
                "registrations": raw["registrations"][0][0], "etat=late": late}
    problems = [f"{key}: board {figures.get(f'jour={TODAY}' if key == 'attendance' else key)} != raw {value}"
                for key, value in expected.items()
                if str(value) != figures.get(f"jour={TODAY}" if key == "attendance" else key)]
    if f"({count} facture(s))" not in next(f.label for f in board.figures if f.query == "etat=due"):
        problems.append(f"unpaid count != raw {count}")
    board_median, raw_median = statistics.median(board_times), statistics.median(raw_times)
    for name, times in (("board", board_times), ("raw", raw_times)):
        print(f"{name:<6} median {statistics.median(times):7.1f} ms   p95 {sorted(times)[int(.95 * len(times)) - 1]:7.1f}"
              f" ms   max {max(times):7.1f} ms")
    print(f"x = board / raw = {board_median / raw_median:.1f}   unpaid {cents / 100:.2f} € on {count} invoices, "
          f"{late} past due; to mark today {expected['attendance']}")
    shutil.rmtree(_tmp, ignore_errors=True)
    if problems:
        print("FAIL: " + "; ".join(problems))
        return 1
    if board_median > BUDGET_MS:
        print(f"FAIL: board median {board_median:.1f} ms > {BUDGET_MS:.0f} ms")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
