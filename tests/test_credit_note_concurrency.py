"""Never two credit notes for one invoice: 8 staff cancel the same invoice at the same instant,
each through its own connection — on SQLite and (make test-pg) PostgreSQL. The credit-note
counter, locked before what is left to credit is read, serialises them: one note, the others
told that the lines are already cancelled."""

import pytest
from sqlmodel import select

from cityviz import db
from cityviz.models import CreditNote, CreditNoteLine
from cityviz.services.billing import credits, ledger
from cityviz.services.errors import Conflict
from tests.services.billing.ledger_helpers import money_rush
from tests.test_booking_concurrency import _fire

pytestmark = pytest.mark.usefixtures("frozen")
STAFF = 8


@pytest.fixture
def invoice(database):
    with money_rush(database, STAFF, 5760) as rush:
        pass
    return rush.org.id, rush.household.id, rush.invoice.id, rush.staff


def test_eight_staff_cancelling_one_invoice_at_once_cancel_it_once(invoice):
    org_id, household_id, invoice_id, staff = invoice

    def attempt(actor):
        def go():
            with db.transaction() as s:
                return credits.issue_credit_note(s, actor=actor, invoice_id=invoice_id, reason="Annulation").number
        return go

    results = _fire([attempt(a) for a in staff])
    assert [r for r in results if isinstance(r, str)] == ["A20260900001"]
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, str))
    with db.read() as s:
        assert [n.total_cents for n in s.exec(select(CreditNote)).all()] == [5760]
        assert sum(x.total_cents for x in s.exec(select(CreditNoteLine)).all()) == 5760
        balance = ledger.balance(s, household_id, org_id)
    assert (balance.credited, balance.due, balance.available) == (5760, 0, 0) and balance.holds
