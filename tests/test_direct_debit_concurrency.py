"""Never two payments for one direct debit: eight staff mark the same debit paid at the same
instant (the bank's answer entered twice, two tabs), each through its own connection — on SQLite
and (make test-pg) PostgreSQL. A negative control runs the naive check-then-insert under the same
load and records the payment more than once, which shows the test is able to fail."""

import time
from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import select

from cityviz import clock, db
from cityviz.models import DirectDebit, Payment, RegieJournalEntry, SepaMandate
from cityviz.services.billing import direct_debits, ledger
from cityviz.services.errors import DomainError
from tests.services.billing.ledger_helpers import money_rush
from tests.test_booking_concurrency import _fire, _naive

pytestmark = pytest.mark.usefixtures("frozen")
STAFF = 8


@pytest.fixture
def debit(database):
    with money_rush(database, STAFF, 4320) as (s, org, household, invoice, staff):
        mandate = SepaMandate(organization_id=org.id, household_id=household.id, holder_name="Camille MARTIN",
                              iban="FR7630006000011234567890189", bic="AGRIFRPP", reference="CVZ-00000001",
                              signed_on=date(2026, 6, 1), created_at=clock.now())
        s.add(mandate)
        s.flush()
        row = DirectDebit(organization_id=org.id, invoice_id=invoice.id, mandate_id=mandate.id, amount_cents=4320,
                          due_date=clock.today(), status="exported", batch_reference="LOT-2026-09",
                          exported_at=clock.now())
        s.add(row)
        s.flush()
    return org.id, household.id, invoice, row.id, staff


def test_eight_staff_marking_one_debit_paid_at_once_record_one_payment(debit):
    org_id, household_id, invoice, debit_id, staff = debit

    def attempt(actor):
        def go():
            with db.transaction() as s:
                direct_debits.settle(s, actor=actor, debit_id=debit_id, paid=True)
            return True
        return go

    results = _fire([attempt(a) for a in staff])
    assert not [r for r in results if isinstance(r, DomainError)], results  # the later ones find it paid
    with db.read() as s:
        paid = s.exec(select(Payment).where(Payment.household_id == household_id)).all()
        journal = s.exec(select(RegieJournalEntry).where(RegieJournalEntry.kind == "payment")).all()
        due = ledger.remaining_by_invoice(s, [invoice])[invoice.id]
        row = s.get(DirectDebit, debit_id)
    assert [(p.method, p.amount_cents) for p in paid] == [("direct_debit", 4320)]
    assert len(journal) == 1 and due == 0 and (row.status, row.payment_id) == ("paid", paid[0].id)


def test_negative_control_marking_paid_without_the_lock_records_it_twice(debit):
    """The mistake the service avoids: read the debit's status, then write, in the drivers' default
    transactions (pysqlite: no BEGIN before the SELECT; PostgreSQL: READ COMMITTED)."""
    org_id, household_id, _invoice, debit_id, _staff = debit
    engine = db.get_engine()

    def work(execute):
        if execute("SELECT status FROM direct_debit WHERE id = ?", (debit_id,)).fetchone()[0] != "paid":
            time.sleep(0.05)  # the work done between the check and the write
            execute("INSERT INTO payment (organization_id, household_id, method, amount_cents, received_on,"
                    " reference, recorded_at, reversal_reason) VALUES (?, ?, 'direct_debit', 4320, '2026-09-14',"
                    " 'LOT-2026-09', '2026-09-14 08:00:00', '')", (org_id, household_id))
            execute("UPDATE direct_debit SET status = 'paid' WHERE id = ?", (debit_id,))

    def naive():
        _naive(engine, work)

    _fire([naive for _ in range(STAFF)])
    with db.read() as s:
        recorded = s.exec(text("SELECT COUNT(*) FROM payment WHERE method = 'direct_debit'")).one()[0]
    assert recorded > 1, "the naive path should have recorded the payment more than once"
