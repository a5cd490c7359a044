"""Booking rush: 1,000 children, 300 places, 32 workers — and a household's month calendar.

The morning the canteen opens: 1,000 children, all registered (validated) to
one canteen, try to book the same date of capacity 300 at the same instant,
from 32 worker threads, each attempt in its own write transaction through the
service layer (`db.transaction()` + `bookings.book_session`, refusals are
SessionFull/BookingRefused). Against it, in the same run, on the same database
with the same 32 threads, connection pool and BEGIN style, the "raw ceiling":
a bare transaction doing only the essential writes,

    UPDATE activity_session SET booked_count = booked_count + 1
     WHERE id = :id AND booked_count < capacity      -- then, if a row changed:
    INSERT INTO booking (...)

Each kind runs --rounds times, alternated, each round on a fresh date of the
same canteen (the machine is noisy: the medians are what counts).

How to read it, per round: wall time from the release of all attempts to the
last one's end; attempts/s (1,000 / wall) and bookings/s (300 / wall); CPU,
this process's CPU time / wall (near 100 %: the Python side — one GIL — is
the bottleneck, not the database); latency of one attempt (waiting for the
lock included) p50/p95/p99/max; "booked", read back from the database: rows
with status 'booked' / the session's booked_count, both exactly 300;
"refused", the other attempts. Summary: median attempts/s of each kind and
service/raw (target >= 50 %): what the service adds to the essential writes.

Then the month calendar of one household (3 children x 4 activities:
canteen, morning care, evening care, Wednesday leisure; bookings made with
the bulk service, some cancelled, a closure for the autumn holidays and one
day in December): `calendar.month_view` inside `db.read()`, median/p95 ms and
the SQL statements per render (BEGIN left out), for four months with 117 to
234 cells: the count must not grow with the days (a grid without any closed
date skips the closure query: one less).

Exit status 1 if a count is not 300, the statement count grows with the
month, or the service path is below 50 % of the raw ceiling.

    .venv/bin/python bench/booking_rush.py [--database-url URL] [--rounds 3]

The clock is set (time-machine, ticking, process-wide so worker threads see
it) to Monday 14/09/2026 10:00 Paris; the rush dates are in October. A
PostgreSQL URL's public schema is DROPPED and recreated: use a scratch
database (createdb -h 127.0.0.1 -U postgres cityviz_rush).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--database-url", default="", help="default: a temporary SQLite file")
parser.add_argument("--rounds", type=int, default=3, help="rounds of each kind (service, raw)")
ARGS = parser.parse_args()
_tmp = Path(tempfile.mkdtemp(prefix="cityviz-bench-"))
# bcrypt is not what is measured here: cost 4 keeps the setup quick.
os.environ.update(CITYVIZ_BCRYPT_ROUNDS="4", CITYVIZ_DATA_DIR=str(_tmp), PYTEST_CURRENT_TEST="bench",
                  CITYVIZ_DATABASE_URL=ARGS.database_url or f"sqlite:///{_tmp / 'bench.db'}")
for _name in ("CITYVIZ_SMTP_HOST", "CITYVIZ_FAKE_NOW"):
    os.environ.pop(_name, None)

import time_machine  # noqa: E402
from sqlalchemy import bindparam, event, func, insert, text  # noqa: E402
from sqlmodel import select  # noqa: E402

from cityviz import clock, config, db, schema  # noqa: E402
from cityviz.models import ActivityRegistration, ActivitySession, Booking, Household, Person, User  # noqa: E402
from cityviz.models.types import UTCDateTime  # noqa: E402
from cityviz.services.accounts import auth, passwords
from cityviz.services.booking import bookings, calendar, closures  # noqa: E402
from cityviz.services.booking.bookings import BookingRefused, SessionFull  # noqa: E402
from tests import factories  # noqa: E402

CHILDREN, CAPACITY, WORKERS, TARGET = 1000, 300, 32, 0.5
NOW = datetime(2026, 9, 14, 10, 0, tzinfo=clock.PARIS)  # a Monday in term time
RUSH_FROM = date(2026, 10, 1)
MONTHS = [(2026, 9), (2026, 10), (2026, 11), (2026, 12)]  # September's grid has no closed date
CALENDAR_MONTH, WARMUP, REPEAT = (2026, 10), 5, 60
RAW_UPDATE = text("UPDATE activity_session SET booked_count = booked_count + 1"
                  " WHERE id = :id AND booked_count < capacity")
RAW_INSERT = text("INSERT INTO booking (session_id, child_id, household_id, status, is_late, created_at,"
                  " updated_at, created_by_id) VALUES (:session, :child, :household, 'booked', false,"
                  " :now, :now, :user)").bindparams(bindparam("now", type_=UTCDateTime))
STATEMENTS = [0]


def _count(_conn, _cursor, statement, *_args) -> None:
    if statement.lstrip()[:5].upper() != "BEGIN":
        STATEMENTS[0] += 1


def ids(conn, model, rows: list[dict]) -> list[int]:
    """One executemany (multi-row INSERT … RETURNING); the new ids, in row order."""
    table = model.__table__
    return [r[0] for r in conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)]


def setup_rush(s, org, staff) -> tuple[list[tuple], list[int]]:
    """The canteen (capacity 300), 1,000 children in 500 households, all registered.
    Returns (actor, child id, household id) per child and the rush dates' session ids."""
    canteen = factories.make_activity(s, org, staff, capacity=CAPACITY)
    now, hashed, conn = clock.now(), passwords.hash_password(factories.PASSWORD), s.connection()
    homes = ids(conn, Household, [dict(street=f"{n % 90 + 1} rue des Écoles", postal_code="14760",
                                       city="Bretteville-sur-Odon", created_at=now) for n in range(CHILDREN // 2)])
    guardians = ids(conn, Person, [dict(household_id=h, role="guardian", first_name="Camille",
                                        last_name=f"FAMILLE{n}", created_at=now) for n, h in enumerate(homes)])
    users = ids(conn, User, [dict(email=f"parent{n}@example.org", password_hash=hashed, person_id=g,
                                  must_change_password=False, created_at=now) for n, g in enumerate(guardians)])
    kids = ids(conn, Person, [dict(household_id=homes[n // 2], role="child", first_name=("Léo", "Jade")[n % 2],
                                   last_name=f"FAMILLE{n // 2}", birth_date=date(2017 + n % 4, 5, 4),
                                   school_level="CE1", created_at=now) for n in range(CHILDREN)])
    conn.execute(insert(ActivityRegistration.__table__), [
        dict(activity_id=canteen.id, child_id=c, household_id=homes[n // 2], status="validated",
             requested_at=now, decided_at=now) for n, c in enumerate(kids)])
    actors = [auth.actor_for_user(s, user_id=u) for u in users]
    people = [(actors[n // 2], c, homes[n // 2]) for n, c in enumerate(kids)]
    sessions = s.exec(select(ActivitySession.id).where(
        ActivitySession.activity_id == canteen.id, ActivitySession.date >= RUSH_FROM)
        .order_by(ActivitySession.date).limit(2 * ARGS.rounds)).all()
    return people, list(sessions)


def setup_calendar(s, org, staff):
    """One household, 3 children x 4 activities, a term of bookings; returns the parent."""
    school_days = [0, 1, 3, 4]
    specs = [dict(name="Restauration scolaire – école Jules Ferry", kind="canteen", unit="meal"),
             dict(name="Garderie du matin", kind="morning_care", unit="hour", start_minutes=7 * 60 + 30,
                  end_minutes=8 * 60 + 30),
             dict(name="Garderie du soir", kind="evening_care", unit="hour", start_minutes=16 * 60 + 30,
                  end_minutes=18 * 60 + 30),
             dict(name="Accueil de loisirs du mercredi", kind="leisure", unit="day", weekdays=[2],
                  start_minutes=8 * 60, end_minutes=18 * 60)]
    activities = [factories.make_activity(s, org, staff, **spec) for spec in specs]
    household, _g, user = factories.make_household(s, "LEFEBVRE", email="famille@example.org", org=org)
    children = [factories.make_child(s, household, name, date(year, 3, 12), org=org)
                for name, year in (("Louise", 2016), ("Hugo", 2018), ("Zoé", 2020))]
    for activity in activities:
        for child in children:
            factories.register(s, activity, child)
    parent = factories.actor(s, user)
    canteen, morning, evening, leisure = (a.id for a in activities)
    plan = [(canteen, [c.id for c in children[:2]], school_days), (canteen, [children[2].id], [0, 1, 3]),
            (morning, [children[0].id], [0, 1]), (evening, [c.id for c in children[:2]], [3, 4]),
            (leisure, [children[2].id], [2]), (leisure, [children[1].id], [2])]
    for activity_id, child_ids, weekdays in plan:
        calendar.apply_bulk(s, actor=parent, request=calendar.BulkRequest(
            child_ids=child_ids, activity_id=activity_id, date_from=date(2026, 9, 14),
            date_to=date(2026, 12, 18), weekdays=weekdays))
    calendar.apply_bulk(s, actor=parent, request=calendar.BulkRequest(
        child_ids=[children[1].id], activity_id=canteen, date_from=date(2026, 11, 2), date_to=date(2026, 11, 13),
        weekdays=school_days, action="cancel"))
    for start, end, reason in ((date(2026, 10, 17), date(2026, 11, 1), "Vacances de la Toussaint"),
                               (date(2026, 12, 18), date(2026, 12, 18), "Journée pédagogique")):
        closures.create_closure(s, actor=staff, organization_id=org.id, start=start, end=end, reason=reason)
    return parent


def attempt(kind: str, session_id: int, actor, child_id: int, household_id: int) -> bool:
    with db.transaction() as s:
        if kind == "service":
            bookings.book_session(s, actor=actor, child_id=child_id, session_id=session_id,
                                  join_waiting_list=False)
        elif s.execute(RAW_UPDATE, {"id": session_id}).rowcount == 1:
            s.execute(RAW_INSERT, {"session": session_id, "child": child_id, "household": household_id,
                                   "now": clock.now(), "user": actor.user_id})
        else:
            raise SessionFull()  # rolled back, as the service's refusals are
    return True


def rush(pool: ThreadPoolExecutor, kind: str, session_id: int, people: list[tuple], seed: int) -> dict:
    start, order = threading.Event(), random.Random(seed).sample(people, len(people))

    def one(actor, child_id, household_id):
        start.wait()
        began = time.perf_counter()
        try:
            ok = attempt(kind, session_id, actor, child_id, household_id)
        except (SessionFull, BookingRefused):
            ok = False
        return ok, time.perf_counter() - began

    futures = [pool.submit(one, *p) for p in order]
    time.sleep(0.2)  # every worker is parked on the event
    began, cpu = time.perf_counter(), time.process_time()
    start.set()
    results = [f.result() for f in futures]
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    with db.read() as s:
        rows = s.exec(select(func.count()).select_from(Booking).where(
            Booking.session_id == session_id, Booking.status == "booked")).one()
        counter = s.get(ActivitySession, session_id).booked_count
    latencies = sorted(1000 * t for _ok, t in results)
    cuts = statistics.quantiles(latencies, n=100)
    return dict(kind=kind, wall=wall, ok=sum(ok for ok, _t in results), rows=rows, counter=counter,
                rate=len(results) / wall, cpu=cpu / wall, booked_rate=rows / wall, p50=cuts[49], p95=cuts[94],
                p99=cuts[98], max=latencies[-1])


def warm(pool: ThreadPoolExecutor) -> None:
    """Open the 32 connections (all at once, so the pool keeps 32) before anything is timed."""
    barrier = threading.Barrier(WORKERS)

    def hold():
        with db.get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
            barrier.wait()
    for f in [pool.submit(hold) for _ in range(WORKERS)]:
        f.result()


def month_render(parent, year: int, month: int) -> tuple[float, int, int]:
    before, began = STATEMENTS[0], time.perf_counter()
    with db.read() as s:
        view = calendar.month_view(s, actor=parent, year=year, month=month)
    cells = sum(len(d.cells) for week in view.weeks for d in week)
    return (time.perf_counter() - began) * 1000, STATEMENTS[0] - before, cells


def measure_calendar(parent) -> list[str]:
    event.listen(db.get_engine(), "before_cursor_execute", _count)
    print(f"\nMonth calendar of one household (3 children x 4 activities), after {WARMUP} warm-up renders:")
    print(f"{'month':<10}{'cells':>7}{'renders':>9}{'median':>10}{'p95':>9}{'SQL':>6}")
    counts = {}
    for year, month in MONTHS:
        repeat = REPEAT if (year, month) == CALENDAR_MONTH else REPEAT // 3
        for _ in range(WARMUP):
            month_render(parent, year, month)
        runs = [month_render(parent, year, month) for _ in range(repeat)]
        times = [t for t, _n, _c in runs]
        counts[(year, month)] = {n for _t, n, _c in runs}
        print(f"{year}-{month:02d}{runs[0][2]:>10}{repeat:>9}{statistics.median(times):8.2f} ms"
              f"{statistics.quantiles(times, n=20)[-1]:6.2f} ms{'/'.join(map(str, sorted(counts[(year, month)]))):>6}")
    event.remove(db.get_engine(), "before_cursor_execute", _count)
    closed = set().union(*(counts[m] for m in MONTHS[1:]))  # grids with a closed date
    print(f"SQL per render: {'/'.join(map(str, sorted(closed)))} for every month whose grid has a closed date "
          f"(October to December), {'/'.join(map(str, sorted(counts[MONTHS[0]])))} without (September)")
    if len(closed) != 1 or len(counts[MONTHS[0]]) != 1 or not 0 <= min(closed) - min(counts[MONTHS[0]]) <= 1:
        return [f"month calendar: SQL statements per render vary with the month: {counts}"]
    return []


def main() -> int:
    url = config.get().database_url
    engine = db.make_engine(url, pool_size=WORKERS, max_overflow=0)
    db.set_engine(engine)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            version = "PostgreSQL " + conn.execute(text("SHOW server_version")).scalar()
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            version = "SQLite " + conn.execute(text("SELECT sqlite_version()")).scalar()
    print(f"database: {version}, {engine.url.render_as_string(hide_password=True)}")
    print(f"{os.cpu_count()} CPU(s), Python {sys.version.split()[0]}; {CHILDREN:,} children, {CAPACITY} places, "
          f"{WORKERS} worker threads, pool of {WORKERS} connections, {ARGS.rounds} rounds of each kind")
    schema.migrate(engine)
    started = time.perf_counter()
    with db.transaction() as s:
        org = factories.make_organization(s, "Bretteville-sur-Odon")
        staff = factories.actor(s, factories.make_staff(s, org, role="admin"))
        people, sessions = setup_rush(s, org, staff)
        parent = setup_calendar(s, org, staff)
    if engine.dialect.name == "postgresql":  # as autovacuum soon would, but not during the timings
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    print(f"setup in {time.perf_counter() - started:.1f} s; "
          f"clock: {clock.to_paris(clock.now()):%d/%m/%Y %H:%M} Paris, rush dates from {RUSH_FROM:%d/%m/%Y}\n")

    failures, results = [], {"service": [], "raw": []}
    print(f"{'round':<12}{'wall':>8}{'attempts/s':>12}{'bookings/s':>12}{'CPU':>6}"
          + "".join(f"{k:>10}" for k in ("p50", "p95", "p99", "max")) + f"{'booked':>9}{'refused':>9}")
    with ThreadPoolExecutor(WORKERS) as pool:
        warm(pool)
        for n in range(ARGS.rounds):
            for kind, session_id in (("service", sessions[2 * n]), ("raw", sessions[2 * n + 1])):
                r = rush(pool, kind, session_id, people, seed=n)
                results[kind].append(r)
                print(f"{n + 1} {kind:<10}{r['wall']:6.2f} s{r['rate']:12.1f}{r['booked_rate']:12.1f}{r['cpu']:6.0%}"
                      + "".join(f"{r[k]:7.1f} ms" for k in ("p50", "p95", "p99", "max"))
                      + f"{r['rows']:>5}/{r['counter']}{CHILDREN - r['ok']:>9}")
                if not r["rows"] == r["counter"] == r["ok"] == CAPACITY:
                    failures.append(f"{kind} round {n + 1}: {r['ok']} successes, {r['rows']} rows 'booked', "
                                    f"booked_count {r['counter']} (expected {CAPACITY})")
    service = statistics.median(r["rate"] for r in results["service"])
    raw = statistics.median(r["rate"] for r in results["raw"])
    print(f"\nmedian attempts/s: service {service:.1f}, raw ceiling {raw:.1f} -> service/raw {service / raw:.0%} "
          f"(target >= {TARGET:.0%}); median bookings/s: service "
          f"{statistics.median(r['booked_rate'] for r in results['service']):.1f}, "
          f"raw {statistics.median(r['booked_rate'] for r in results['raw']):.1f}")
    if service / raw < TARGET:
        failures.append(f"service path at {service / raw:.0%} of the raw ceiling (target {TARGET:.0%})")
    with time_machine.travel(clock.now(), tick=False):  # the same instant for every render
        failures += measure_calendar(parent)
    for failure in failures:
        print(f"FAIL: {failure}")
    if not failures:
        print(f"OK: exactly {CAPACITY} booked every round, service >= {TARGET:.0%} of raw, bounded calendar SQL")
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        with time_machine.travel(NOW, tick=True):
            code = main()
    finally:
        db.set_engine(None)
        shutil.rmtree(_tmp, ignore_errors=True)
    sys.exit(code)
