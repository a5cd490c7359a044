"""A school year's tax certificates on the bench town: 3,000 households, 5,000 children.

Builds (bulk Core inserts) one organization, its staff admin, a canteen (food) and an evening
care made by the staff service, and per household one invoice per month of 2026 until June
(canteen and care lines per child) fully paid by a payment received in 2026 and allocated to
it; about half the children are under 6 on 1 January 2026. Clock: 10/01/2027, 10:00 Paris.

Timed, in this order:
  baseline  one SQL aggregate of the year's allocations per household (the least that reading
            the figures costs: no split per child, no meal left out, nothing written)
  run       the staff run, as its job does it: certificate_jobs.produce_chunk in chunks of 200
            households, each its own write transaction (figures per child, notice rows, e-mails)
  pdf       the on-demand path for a sample of 100 eligible children: tax_certificate + PDF

Printed: wall time and items per second of each step. Checks: one notice per paying household,
the sum of the notices equals the care paid (computed independently here from the lines).
Exit status 1 if a check fails or the run takes more than 60 s. The issue also asks to time
opening a « Campagne d'inscription »: that feature is not built, so it is not timed here.

    .venv/bin/python bench/school_year.py [--database-url URL] [--households 3000] [--children 5000]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--database-url", default="", help="default: a temporary SQLite file (PostgreSQL: schema dropped)")
parser.add_argument("--households", type=int, default=3000)
parser.add_argument("--children", type=int, default=5000)
ARGS = parser.parse_args()
_tmp = Path(tempfile.mkdtemp(prefix="cityviz-bench-"))
os.environ.update(CITYVIZ_BCRYPT_ROUNDS="4", CITYVIZ_DATA_DIR=str(_tmp), PYTEST_CURRENT_TEST="bench",
                  CITYVIZ_DATABASE_URL=ARGS.database_url or f"sqlite:///{_tmp / 'bench.db'}")
for _name in ("CITYVIZ_SMTP_HOST", "CITYVIZ_FAKE_NOW"):
    os.environ.pop(_name, None)

import time_machine  # noqa: E402
from sqlalchemy import func, insert, text  # noqa: E402
from sqlmodel import select  # noqa: E402

from cityviz import clock, db, schema  # noqa: E402
from cityviz.models import (  # noqa: E402
    BillingPeriod,
    Household,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
    Person,
    TaxCertificateNotice,
    User,
)
from cityviz.services.accounts.actor import Actor  # noqa: E402
from cityviz.services.billing import certificate_jobs, certificate_pdf, certificates  # noqa: E402
from tests import factories  # noqa: E402

NOW = datetime(2027, 1, 10, 10, 0, tzinfo=clock.PARIS)
YEAR, MONTHS, MAX_SECONDS = 2026, range(1, 7), 60.0
MEAL, CARE = 360, 480  # cents per child per month


def ids(conn, model, rows):
    table = model.__table__
    return [r[0] for r in conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)]


def build(s, org, staff) -> int:
    """The town; returns the care paid in the year for children under 6 (what the notices must sum to)."""
    rng, now, conn = random.Random(2027), clock.now(), s.connection()
    canteen = factories.make_activity(s, org, staff, capacity=2000)
    care = factories.make_activity(s, org, staff, name="Garderie du soir", kind="evening_care", capacity=2000)
    homes = ids(conn, Household, [dict(street="1 rue des Écoles", postal_code="14760", city="Bretteville",
                                       created_at=now) for _ in range(ARGS.households)])
    guardians = ids(conn, Person, [dict(household_id=h, role="guardian", first_name="Camille", last_name=f"F{n}",
                                        created_at=now) for n, h in enumerate(homes)])
    conn.execute(insert(User.__table__), [dict(email=f"p{n}@example.org", password_hash="x", person_id=p,
                                               must_change_password=False, created_at=now)
                                          for n, p in enumerate(guardians)])
    child_homes = homes + [rng.choice(homes) for _ in range(ARGS.children - len(homes))]
    births = [date(2019 + n % 6, 3, 1) for n in range(len(child_homes))]  # 2019-2024: half under 6
    kids = ids(conn, Person, [dict(household_id=h, role="child", first_name="Léo", last_name="F", birth_date=b,
                                   created_at=now) for h, b in zip(child_homes, births)])
    by_home: dict[int, list[int]] = {}
    for kid, home in zip(kids, child_homes):
        by_home.setdefault(home, []).append(kid)
    young = {k for k, b in zip(kids, births) if certificates.under_six(b, YEAR)}
    expected, counter = 0, 0
    for month in MONTHS:
        period = ids(conn, BillingPeriod, [dict(organization_id=org.id, start_date=date(YEAR, month, 1),
                                                end_date=date(YEAR, month, 28), status="issued")])[0]
        invoices, lines = [], []
        for home in homes:
            counter += 1
            total = len(by_home[home]) * (MEAL + CARE)
            invoices.append(dict(organization_id=org.id, household_id=home, billing_period_id=period,
                                 number=f"{YEAR}{month:02d}{counter:05d}", counter_year=YEAR, counter_value=counter,
                                 label="Facture", issued_at=now, due_date=date(YEAR, month, 28),
                                 payer_name="Camille F", payer_address="", total_cents=total))
        invoice_ids = ids(conn, Invoice, invoices)
        for invoice_id, home in zip(invoice_ids, homes):
            for position, kid in enumerate(by_home[home]):
                for offset, (activity, cents) in enumerate(((canteen.id, MEAL), (care.id, CARE))):
                    lines.append(dict(invoice_id=invoice_id, position=2 * position + offset, child_id=kid,
                                      child_name="Léo F", activity_id=activity, label="x", date_from=date(YEAR, month, 1),
                                      date_to=date(YEAR, month, 28), quantity=1, unit_price_cents=cents,
                                      surcharge_cents=0, total_cents=cents))
                expected += CARE if kid in young else 0
        conn.execute(insert(InvoiceLine.__table__), lines)
        payments = ids(conn, Payment, [dict(organization_id=org.id, household_id=i["household_id"], method="transfer",
                                            amount_cents=i["total_cents"], received_on=date(YEAR, month, 28),
                                            recorded_at=now) for i in invoices])
        conn.execute(insert(PaymentAllocation.__table__), [
            dict(payment_id=p, invoice_id=i, amount_cents=v["total_cents"])
            for p, i, v in zip(payments, invoice_ids, invoices)])
    return expected


def main() -> int:
    if ARGS.database_url.startswith("postgresql"):
        engine = db.make_engine(ARGS.database_url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    schema.migrate(db.make_engine(os.environ["CITYVIZ_DATABASE_URL"]))
    with time_machine.travel(NOW, tick=True):
        with db.transaction() as s:
            org = factories.make_organization(s, name="Ville du banc")
            staff = factories.actor(s, factories.make_staff(s, org, role="admin"))
            started = time.perf_counter()
            expected = build(s, org, staff)
            org_id = org.id
        print(f"build: {ARGS.households} households, {ARGS.children} children, {len(MONTHS)} paid invoices each "
              f"({time.perf_counter() - started:.1f} s)")

        started = time.perf_counter()
        with db.read() as s:
            rows = s.exec(select(Payment.household_id, func.sum(PaymentAllocation.amount_cents))
                          .join(Payment, Payment.id == PaymentAllocation.payment_id)
                          .where(Payment.organization_id == org_id, Payment.received_on >= date(YEAR, 1, 1))
                          .group_by(Payment.household_id)).all()
        baseline = time.perf_counter() - started
        print(f"baseline: {len(rows)} households' year read in {baseline:.2f} s ({len(rows) / baseline:,.0f}/s)")

        started, done, made = time.perf_counter(), 0, 0
        while True:
            with db.transaction() as s:
                households, certificates_made = certificate_jobs.produce_chunk(s, actor=staff, organization_id=org_id,
                                                                               year=YEAR)
            done, made = done + households, made + certificates_made
            if not households:
                break
        run = time.perf_counter() - started
        print(f"run: {made} tax certificates for {done} households in {run:.1f} s "
              f"({made / run:,.0f} certificates/s, {done / run:,.0f} households/s; baseline x{run / baseline:.0f})")

        with db.read() as s:
            notices = s.exec(select(func.count(), func.sum(TaxCertificateNotice.total_cents))
                             .where(TaxCertificateNotice.organization_id == org_id)).one()
            sample = s.exec(select(Person).where(Person.role == "child", Person.birth_date > date(YEAR - 6, 1, 1))
                            .limit(100)).all()
            started = time.perf_counter()
            size = 0
            for child in sample:
                actor = Actor(user_id=None, household_id=child.household_id)
                data, _name = certificate_pdf.certificate_file(s, actor=actor, kind="fiscale", child_id=child.id,
                                                               year=YEAR)
                size += len(data)
            pdf = time.perf_counter() - started
        print(f"pdf: {len(sample)} certificates on demand in {pdf:.1f} s ({len(sample) / pdf:,.0f}/s, "
              f"{size // max(1, len(sample)) // 1024} kB each)")

    failures = []
    if notices[0] != ARGS.households:
        failures.append(f"{notices[0]} notices for {ARGS.households} paying households")
    if notices[1] != expected:
        failures.append(f"notices sum to {notices[1]} cents, the care paid is {expected}")
    if run > MAX_SECONDS:
        failures.append(f"the run took {run:.0f} s (> {MAX_SECONDS:.0f} s)")
    for failure in failures:
        print(f"FAIL: {failure}")
    print("OK" if not failures else "")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
