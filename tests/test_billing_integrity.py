"""Invoice numbers: no gap, no duplicate — with two staff issuing at once, and
with the issuing process killed part-way (SIGKILL) then run again. On SQLite
here, and on PostgreSQL with `make test-pg`."""

import os
import signal
import subprocess
import sys
import threading
from datetime import date, datetime

import pytest
from sqlalchemy import insert
from sqlalchemy.pool import NullPool
from sqlmodel import func, select

from cityviz import clock, config, db
from cityviz.models import ActivitySession, Attendance, Booking, DocumentCounter, Invoice, InvoiceLine
from cityviz.services.billing import periods
from tests import factories

HOUSEHOLDS = 120
ORG = "Ville de Test"


@pytest.fixture
def month_to_bill(database, frozen):
    """120 households, each with children present at the canteen in September 2026."""
    frozen.move_to(datetime(2026, 9, 1, 8, 0, tzinfo=clock.PARIS))
    with db.transaction() as s:
        org = factories.make_organization(s, name=ORG)
        staff = factories.actor(s, factories.make_staff(s, org, role="admin"))
        canteen = factories.make_activity(s, org, staff, capacity=500)
        sessions = s.exec(select(ActivitySession).where(ActivitySession.activity_id == canteen.id,
                                                        ActivitySession.date < date(2026, 10, 1))).all()
        bookings, marks, now = [], [], clock.now()
        for n in range(HOUSEHOLDS):
            household, _g, _u = factories.make_household(s, last_name=f"FAMILLE{n:03d}", email=f"f{n}@example.org")
            child = factories.make_child(s, household)
            for session in sessions[n % 3::3]:
                bookings.append(dict(session_id=session.id, child_id=child.id, household_id=household.id,
                                     status="booked", is_late=False, created_at=now, updated_at=now))
                marks.append(dict(session_id=session.id, child_id=child.id, household_id=household.id,
                                  status="present", marked_at=now))
        s.execute(insert(Booking), bookings)
        s.execute(insert(Attendance), marks)
    frozen.move_to(datetime(2026, 10, 5, 10, 0, tzinfo=clock.PARIS))
    db.set_engine(db.make_engine(database, poolclass=NullPool))  # one connection per worker
    return {"org": org.id, "staff": staff, "url": database}


def _check_complete():
    with db.read() as s:
        invoices = s.exec(select(Invoice)).all()
        counter = s.exec(select(DocumentCounter)).one()
        line_total = s.exec(select(func.sum(InvoiceLine.total_cents))).one()
    assert len(invoices) == HOUSEHOLDS
    assert len({i.household_id for i in invoices}) == HOUSEHOLDS  # exactly one each
    assert sorted(i.counter_value for i in invoices) == list(range(1, HOUSEHOLDS + 1))  # no gap, no duplicate
    assert sorted(i.number for i in invoices)[0] == "20260900001" and counter.last_value == HOUSEHOLDS
    assert sum(i.total_cents for i in invoices) == line_total


def test_two_staff_issuing_at_once(month_to_bill):
    errors, ready = [], threading.Barrier(2, timeout=60)

    def run():
        try:
            with db.transaction() as s:
                period_id = periods.start_issue(s, actor=month_to_bill["staff"],
                                                organization_id=month_to_bill["org"], month="2026-09")
            ready.wait()  # both have started: their chunks now race
            while True:
                with db.transaction() as s:
                    if periods.issue_chunk(s, actor=month_to_bill["staff"], period_id=period_id,
                                           limit=7).status == "issued":
                        return
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
            ready.abort()  # never leave the other writer waiting

    threads = [threading.Thread(target=run, daemon=True) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert not errors
    _check_complete()


def test_killed_part_way_then_run_again(month_to_bill):
    env = {**os.environ, "CITYVIZ_DATABASE_URL": month_to_bill["url"], "CITYVIZ_FAKE_NOW": "2026-10-05T10:00:00+02:00",
           "CITYVIZ_DATA_DIR": str(config.get().data_dir), "CITYVIZ_BCRYPT_ROUNDS": "4"}
    command = [sys.executable, "-m", "cityviz", "issue-period", ORG, "2026-09", "--chunk", "3"]
    process = subprocess.Popen(command, cwd=config.ROOT, env=env, stdout=subprocess.PIPE, text=True)
    for line in process.stdout:
        if line.startswith("30/") or line.startswith("31/") or line.startswith("33/"):
            break  # some chunks committed, the next one under way
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    with db.read() as s:
        done = s.exec(select(func.count()).select_from(Invoice)).one()
    assert 0 < done < HOUSEHOLDS, "the kill should land part-way"
    finished = subprocess.run(command, cwd=config.ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    assert f"Période facturée : {HOUSEHOLDS} facture(s)." in finished.stdout
    _check_complete()
