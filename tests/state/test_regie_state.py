"""Handlers of the staff invoice page (refund from a named source, reversing a payment) and
of « Journal de la régie », driven without a browser."""

import pytest

from cityviz import clock, db
from cityviz.services.billing import credits, payments
from cityviz.state.staff_billing import StaffInvoiceState
from cityviz.state.staff_journal import JournalState
from tests import factories
from tests.services.billing.ledger_helpers import issue_invoice
from tests.state.harness import make_state, run
from tests.state.test_thin_handlers import _token

pytestmark = [pytest.mark.usefixtures("database", "frozen"), pytest.mark.anyio]


@pytest.fixture
def paid():
    with db.transaction() as s:
        org = factories.make_organization(s)
        staff = factories.actor(s, factories.make_staff(s, org, role="admin", email="regie@example.org"))
        factories.make_staff(s, org, role="agent", email="agent@example.org")
        household, _g, _u = factories.make_household(s, email="parent@example.org", org=org)
        invoice = issue_invoice(s, org.id, household.id, 5760)
        payments.record_payment(s, actor=staff, organization_id=org.id, household_id=household.id, method="cheque",
                                amount="57,60", received_on=clock.today(), reference="4242",
                                invoice_ids=[invoice.id])
        note = credits.issue_credit_note(s, actor=staff, invoice_id=invoice.id, reason="Annulation")
    return {"invoice": invoice.id, "note": note.id}


def _invoice_page(paid, email="regie@example.org"):
    state = make_state(StaffInvoiceState, token=_token(email),
                       url=f"/admin/facture?type=facture&id={paid['invoice']}")
    return state


async def test_refund_names_its_source_and_is_refused_beyond_it(paid):
    state = _invoice_page(paid)
    await run(StaffInvoiceState.load, state)
    assert state.statement.available_credit == "57,60\xa0€"
    assert [s[0] for s in state.statement.sources] == [f"credit_note:{paid['note']}"]
    form = {"source": f"credit_note:{paid['note']}", "amount": "57,60", "method": "transfer", "reason": "Départ"}
    events = await run(StaffInvoiceState.refund, state, form)
    assert "Remboursement enregistré" in str(events)
    assert state.statement.available_credit == "0,00\xa0€" and state.statement.sources == []
    events = await run(StaffInvoiceState.refund, state, form)
    assert "ne peut dépasser" in state.error and "ne peut dépasser" in str(events)


async def test_a_bounced_cheque_makes_the_invoice_due_again(paid):
    state = _invoice_page(paid)
    await run(StaffInvoiceState.load, state)
    payment_id = state.statement.reversible[0][0]
    assert "Chèque n° 4242" in state.statement.reversible[0][1]
    await run(StaffInvoiceState.reverse, state, {"payment": payment_id, "reason": "Chèque sans provision"})
    assert state.error == "" and state.statement.reversible == []
    assert any(line.label.startswith("Rejet : Chèque") for line in state.statement.lines)


async def test_the_journal_lists_the_money_events_and_refuses_an_agent(paid):
    state = make_state(JournalState, token=_token("regie@example.org"), url="/admin/journal-regie")
    await run(JournalState.load, state)
    assert [r.kind for r in state.rows] == ["Encaissement", "Avoir"] and state.total == 2
    assert [t.method for t in state.totals] == ["Chèque"] and state.net == "57,60\xa0€"
    await run(JournalState.choose, state, {"date_from": "2026-09-01", "date_to": "2026-09-14", "kind": "credit_note",
                                           "family": ""})
    assert [r.kind for r in state.rows] == ["Avoir"]
    agent = make_state(JournalState, token=_token("agent@example.org"), url="/admin/journal-regie")
    await run(JournalState.load, agent)
    assert agent.rows == [] and agent.error
