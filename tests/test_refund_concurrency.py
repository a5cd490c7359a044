"""Never two refunds of one credit: 12 staff refund the same credit note at the same
instant, each through its own connection — on SQLite and (make test-pg) PostgreSQL.
A negative control runs the naive check-then-insert (no lock) under the same load
and refunds too much, which shows the test is able to fail."""

import time

import pytest
from sqlalchemy import text

from cityviz import clock, db
from cityviz.services.billing import credits, ledger, payments
from cityviz.services.errors import DomainError
from tests.services.billing.ledger_helpers import money_rush
from tests.test_booking_concurrency import _fire, _naive

pytestmark = pytest.mark.usefixtures("frozen")
STAFF = 12


@pytest.fixture
def credit(database):
    with money_rush(database, STAFF, 5760) as (s, org, household, invoice, staff):
        payments.record_payment(s, actor=staff[0], organization_id=org.id, household_id=household.id,
                                method="cash", amount="57,60", received_on=clock.today(), invoice_ids=[invoice.id])
        note = credits.issue_credit_note(s, actor=staff[0], invoice_id=invoice.id, reason="Annulation")
    return org.id, household.id, note.id, staff


def test_twelve_staff_refunding_one_credit_note_at_once_refund_it_once(credit):
    org_id, household_id, note_id, staff = credit

    def attempt(actor):
        def go():
            with db.transaction() as s:
                return payments.refund(s, actor=actor, organization_id=org_id, household_id=household_id,
                                       source=f"credit_note:{note_id}", amount="57,60", method="transfer",
                                       reason="Départ")
        return go

    results = _fire([attempt(a) for a in staff])
    assert len([r for r in results if isinstance(r, int)]) == 1
    assert all(isinstance(r, DomainError) for r in results if not isinstance(r, int))
    with db.read() as s:
        balance = ledger.balance(s, household_id, org_id)
    assert (balance.refunded, balance.available) == (5760, 0) and balance.holds


def test_negative_control_refunds_without_the_lock_refund_too_much(credit):
    """The mistake the service avoids: read what is left, then insert, in the drivers'
    default transactions (pysqlite: no BEGIN before the SELECT; PostgreSQL: READ COMMITTED)."""
    org_id, household_id, note_id, _staff = credit
    engine = db.get_engine()

    def work(execute):
        if execute("SELECT COALESCE(SUM(amount_cents), 0) FROM refund WHERE credit_note_id = ?",
                   (note_id,)).fetchone()[0] + 5760 <= 5760:
            time.sleep(0.05)  # the work done between the check and the write
            execute("INSERT INTO refund (organization_id, household_id, credit_note_id, amount_cents, method,"
                    " refunded_on, reason, recorded_at) VALUES (?, ?, ?, 5760, 'cash', '2026-09-14', '',"
                    " '2026-09-14 08:00:00')", (org_id, household_id, note_id))

    def naive():
        _naive(engine, work)

    _fire([naive for _ in range(STAFF)])
    with db.read() as s:
        refunded = s.exec(text("SELECT COALESCE(SUM(amount_cents), 0) FROM refund")).one()[0]
    assert refunded > 5760, "the naive path should have refunded the credit note more than once"
