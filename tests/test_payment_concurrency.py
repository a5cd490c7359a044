"""Never an invoice paid twice over: eight staff record a payment for the same invoice at the same
instant, each through its own connection — on SQLite and (make test-pg) PostgreSQL. The invoice
is settled once and the rest stays as the family's credit, the ledger's identity holding.

The negative control runs the same service with its household lock taken out (PostgreSQL, where
the lock is what serialises; SQLite's write transactions are one at a time anyway) and allocates
more to the invoice than it asks, which shows the test is able to fail."""

import pytest
from sqlalchemy import text

from cityviz import clock, db
from cityviz.services.billing import ledger, payments
from tests.services.billing.ledger_helpers import money_rush
from tests.test_booking_concurrency import _fire

pytestmark = pytest.mark.usefixtures("frozen")
STAFF = 8
INVOICE_CENTS = 5000


@pytest.fixture
def invoice(database):
    with money_rush(database, STAFF, INVOICE_CENTS) as rush:
        pass
    return rush.org.id, rush.household.id, rush.invoice.id, rush.staff


def _pay_all(org_id, household_id, invoice_id, staff) -> list:
    def attempt(actor):
        def go():
            with db.transaction() as s:
                return payments.record_payment(s, actor=actor, organization_id=org_id, household_id=household_id,
                                               method="cash", amount="50,00", received_on=clock.today(),
                                               invoice_ids=[invoice_id])
        return go
    return _fire([attempt(a) for a in staff])


def _allocated(invoice_id) -> int:
    with db.read() as s:
        return s.exec(text("SELECT COALESCE(SUM(amount_cents), 0) FROM payment_allocation WHERE invoice_id = :i")
                      .bindparams(i=invoice_id)).one()[0]


def test_eight_staff_paying_one_invoice_at_once_settle_it_once(invoice):
    org_id, household_id, invoice_id, staff = invoice
    results = _pay_all(org_id, household_id, invoice_id, staff)
    assert all(isinstance(r, int) for r in results)  # every payment is recorded: the money was received
    assert _allocated(invoice_id) == INVOICE_CENTS
    with db.read() as s:
        balance = ledger.balance(s, household_id, org_id)
    assert (balance.paid, balance.due, balance.available) == (STAFF * 5000, 0, (STAFF - 1) * 5000)
    assert balance.holds


def test_negative_control_without_the_household_lock_the_invoice_is_paid_over(invoice, monkeypatch):
    if db.get_engine().dialect.name == "sqlite":
        pytest.skip("SQLite's write transactions are serialised without the lock (BEGIN IMMEDIATE)")
    org_id, household_id, invoice_id, staff = invoice
    monkeypatch.setattr(ledger, "lock", lambda s, *household_ids: None)
    _pay_all(org_id, household_id, invoice_id, staff)
    assert _allocated(invoice_id) > INVOICE_CENTS, "without the lock the invoice should be paid more than once"
