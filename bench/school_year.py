"""A school year on the bench town (3,000 households, 5,000 children): opening the « Campagne
d'inscription » and a year's tax certificates.

Builds (bulk Core inserts) one organization, its staff admin, a canteen (food) and an evening
care made by the staff service, and per household one invoice per month of 2026 until June
(canteen and care lines per child) fully paid by a payment received in 2026 and allocated to
it; about half the children are under 6 on 1 January 2026. Each child has a validated dossier,
a school level (PS to CM2), an accepted health form (no limit) and, one in two, this year's
authorizations; each household an accepted insurance certificate (one school year). Clock:
10/01/2027, 10:00 Paris.

Timed, in this order:
  baseline  one SQL aggregate of the year's allocations per household (the least that reading
            the figures costs: no split per child, no meal left out, nothing written)
  run       the staff run, as its job does it: certificate_jobs.produce_chunk in chunks of 200
            households, each its own write transaction (figures per child, notice rows, e-mails)
  pdf       the on-demand path for a sample of 100 eligible children: tax_certificate + PDF
  campaign  baseline: one read of what a campaign copies (people, authorizations, documents);
            run: campaigns.open_campaign for 2027-2028, as the staff button does it (one
            transaction: each family's pre-filled re-enrolment, levels moved up, documents to renew)

Printed: wall time and items per second of each step. Checks: one notice per paying household,
the sum of the notices equals the care paid (computed independently here from the lines).
Campaign checks: one re-enrolment per household, every child in one, the insurance asked again
of every household, CM2 children moving to collège. Exit status 1 if a check fails or either run
takes more than 60 s.

    .venv/bin/python bench/school_year.py [--database-url URL] [--households 3000] [--children 5000]
"""

from __future__ import annotations

import argparse
import json
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
    CampaignDossier,
    ChildAuthorization,
    Document,
    Enrollment,
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
from cityviz.services.booking import campaigns  # noqa: E402
from tests import factories  # noqa: E402

NOW = datetime(2027, 1, 10, 10, 0, tzinfo=clock.PARIS)
YEAR, MONTHS, MAX_SECONDS = 2026, range(1, 7), 60.0
MEAL, CARE = 360, 480  # cents per child per month
LEVELS = ("PS", "MS", "GS", "CP", "CE1", "CE2", "CM1", "CM2")


def ids(conn, model, rows):
    table = model.__table__
    return [r[0] for r in conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)]


def school_year_rows(s, conn, org, homes, kids, child_homes, now) -> None:
    """Dossiers, documents on file and this year's authorizations: what a campaign copies."""
    insurance = factories.make_requirement(s, org, "Attestation d'assurance", "household")
    insurance.validity = "school_year"
    health = factories.make_requirement(s, org, "Fiche sanitaire", "child")
    s.flush()
    conn.execute(insert(Enrollment.__table__), [dict(person_id=k, household_id=h, organization_id=org.id,
                                                     status="validated", created_at=now, updated_at=now)
                                                for k, h in zip(kids, child_homes)])
    document = dict(original_name="piece.pdf", content_type="application/pdf", size_bytes=100, status="accepted",
                    uploaded_at=now)
    conn.execute(insert(Document.__table__), [
        *[dict(document, requirement_id=insurance.id, household_id=h, person_id=None, storage_key=f"a{h}",
               valid_until=date(2027, 8, 31)) for h in homes],
        *[dict(document, requirement_id=health.id, household_id=h, person_id=k, storage_key=f"f{k}", valid_until=None)
          for k, h in zip(kids, child_homes)]])
    conn.execute(insert(ChildAuthorization.__table__), [
        dict(child_id=k, household_id=h, school_year=2026, image=True, leave_alone=False, pickups="",
             emergency_care=True, transport=False, signed_by_name="Camille F", signed_at=now)
        for k, h in list(zip(kids, child_homes))[::2]])


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
                                   school_level=LEVELS[n % len(LEVELS)], created_at=now)
                              for n, (h, b) in enumerate(zip(child_homes, births))])
    school_year_rows(s, conn, org, homes, kids, child_homes, now)
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


def time_campaign(org_id: int, staff) -> list[str]:
    """Open 2027-2028 as the staff button does; returns the failed checks."""
    started = time.perf_counter()
    with db.read() as s:
        people = s.exec(select(Person).where(Person.household_id.in_(
            select(Enrollment.household_id).where(Enrollment.organization_id == org_id)))).all()
        signed = s.exec(select(ChildAuthorization).where(ChildAuthorization.school_year == 2026)).all()
        on_file = s.exec(select(Document).where(Document.superseded_at.is_(None))).all()
    baseline = time.perf_counter() - started
    print(f"campaign baseline: read {len(people)} people, {len(signed)} authorizations, {len(on_file)} documents "
          f"in {baseline:.2f} s")
    started = time.perf_counter()
    with db.transaction() as s:
        campaigns.open_campaign(s, actor=staff, organization_id=org_id, school_year=2027, opens_on=date(2027, 1, 10),
                                closes_on=date(2027, 6, 30))
    run = time.perf_counter() - started
    with db.read() as s:
        dossiers = s.exec(select(CampaignDossier.before)).all()
    snapshots = [json.loads(d) for d in dossiers]
    children = sum(len(x["children"]) for x in snapshots)
    print(f"campaign: opened for {len(dossiers)} households, {children} children in {run:.1f} s "
          f"({len(dossiers) / run:,.0f} households/s, {children / run:,.0f} children/s; baseline x{run / baseline:.0f})")
    failures = []
    if len(dossiers) != ARGS.households or children != ARGS.children:
        failures.append(f"campaign: {len(dossiers)} re-enrolments, {children} children")
    if sum(1 for x in snapshots for d in x["documents"] if d["person_id"] is None) != ARGS.households:
        failures.append("campaign: the insurance is not asked again of every household")
    to_college = sum(1 for x in snapshots for c in x["children"] if c["level"] == "CM2"
                     and x["fields"][f"c{c['id']}.level"] == "6e")
    if to_college != sum(1 for x in snapshots for c in x["children"] if c["level"] == "CM2") or not to_college:
        failures.append("campaign: CM2 children do not move to collège")
    if run > MAX_SECONDS:
        failures.append(f"campaign: opening took {run:.0f} s (> {MAX_SECONDS:.0f} s)")
    return failures


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

        campaign = time_campaign(org_id, staff)

    failures = list(campaign)
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
