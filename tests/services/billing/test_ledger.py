"""The one ledger: refunds never beyond their source, credit never crossing households or
organizations, reversals, payment dates, and the régie's journal of every money event."""

from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from cityviz import clock, db
from cityviz.models import Invoice, Payment, RegieJournalEntry
from cityviz.services.billing import credits, ledger, payments
from cityviz.services.errors import AccessDenied, Conflict, InvalidInput, NotFound
from tests import factories
from tests.services.billing.ledger_helpers import issue_invoice, two_towns_books

pytestmark = pytest.mark.usefixtures("database", "frozen")


@pytest.fixture
def books():
    """Two towns; the MARTIN family known to both, the DURAND family to the first only."""
    with db.transaction() as s:
        books = two_towns_books(s)
        (first, second), martin = books["orgs"], books["martin"]
        books["invoice"] = issue_invoice(s, first, martin, 5760).id
        issue_invoice(s, second, martin, 1000)
        issue_invoice(s, first, books["durand"], 800)
    return books


def _pay(b, amount, org=0, household="martin", method="cheque", invoice_ids=None, received_on=None):
    with db.transaction() as s:
        return payments.record_payment(s, actor=b["staff"][org], organization_id=b["orgs"][org],
                                       household_id=b[household], method=method, amount=amount,
                                       received_on=received_on or clock.today(), reference="0001",
                                       invoice_ids=invoice_ids)


def _refund(b, source, amount, org=0, household="martin"):
    with db.transaction() as s:
        return payments.refund(s, actor=b["staff"][org], organization_id=b["orgs"][org], household_id=b[household],
                               source=source, amount=amount, method="transfer", reason="Départ de la commune")


def _balance(b, org=0, household="martin"):
    with db.read() as s:
        return ledger.balance(s, b[household], b["orgs"][org])


def test_a_credit_note_is_refunded_once_and_then_no_longer_applied(books):
    """The outside test's case: 57,60 € paid, a 57,60 € credit note, three refunds asked."""
    _pay(books, "57,60", invoice_ids=[books["invoice"]])
    with db.transaction() as s:
        note = credits.issue_credit_note(s, actor=books["staff"][0], invoice_id=books["invoice"], reason="Annulation")
    assert _balance(books).available == 5760
    with db.read() as s:
        [source] = payments.credit_sources(s, actor=books["staff"][0], organization_id=books["orgs"][0],
                                           household_id=books["martin"])
    assert (source.key, source.label, source.available) == (f"credit_note:{note.id}", f"Avoir n°{note.number}",
                                                            "57,60\xa0€")
    _refund(books, f"credit_note:{note.id}", "57,60")
    assert _balance(books, household="durand").refunded == 0  # another family of the town: untouched
    for _ in range(2):
        with pytest.raises(InvalidInput, match=r"ne peut dépasser ce qui reste sur cette source \(0,00"):
            _refund(books, f"credit_note:{note.id}", "57,60")
    balance = _balance(books)
    assert (balance.available, balance.refunded, balance.due) == (0, 5760, 0) and balance.holds
    with db.transaction() as s:  # the refunded credit is not applied to later invoices
        later = issue_invoice(s, books["orgs"][0], books["martin"], 2000)
    with db.read() as s:
        assert ledger.remaining_by_invoice(s, [later])[later.id] == 2000


def test_a_refund_takes_only_what_its_source_still_holds(books):
    payment_id = _pay(books, "70,00", invoice_ids=[books["invoice"]])  # 12,40 € paid too much
    with pytest.raises(InvalidInput, match="12,40"):
        _refund(books, f"payment:{payment_id}", "12,41")
    _refund(books, f"payment:{payment_id}", "12,40")
    with pytest.raises(InvalidInput, match="0,00"):
        _refund(books, f"payment:{payment_id}", "0,01")
    assert _balance(books).holds and _balance(books).available == 0


@pytest.mark.parametrize("source", ["payment:999999", "credit_note:999999", "facture:1", "payment:", "", "payment:1x"])
def test_a_refund_must_name_an_existing_source(books, source):
    _pay(books, "70,00")
    with pytest.raises((InvalidInput, NotFound)):
        _refund(books, source, "1")


def test_credit_never_crosses_households_or_organizations(books):
    martin_excess = _pay(books, "100,00", invoice_ids=[books["invoice"]])  # 42,40 € of credit in town 1
    with pytest.raises(NotFound):  # the DURAND family cannot be refunded MARTIN's overpayment
        _refund(books, f"payment:{martin_excess}", "1", household="durand")
    with pytest.raises(AccessDenied), db.transaction() as s:  # town 2's régisseur cannot act in town 1
        payments.refund(s, actor=books["staff"][1], organization_id=books["orgs"][0],
                        household_id=books["martin"], source=f"payment:{martin_excess}", amount="1",
                        method="cash", reason="")
    with pytest.raises(NotFound):  # nor reach it through the family it also knows
        _refund(books, f"payment:{martin_excess}", "1", org=1)
    with db.read() as s:
        second = ledger.remaining_by_invoice(s, s.exec(select(Invoice).where(
            Invoice.organization_id == books["orgs"][1])).all())
    assert list(second.values()) == [1000]  # town 1's credit never settles town 2's invoice
    assert _balance(books).available == 4240 and _balance(books, org=1).available == 0
    assert _balance(books, household="durand").due == 800
    for org, household in ((0, "martin"), (1, "martin"), (0, "durand")):
        assert _balance(books, org, household).holds


def test_a_payment_settles_only_its_own_household_invoices(books):
    with db.read() as s:
        durand_invoice = s.exec(select(Invoice.id).where(Invoice.household_id == books["durand"])).one()
    with pytest.raises(NotFound):
        _pay(books, "8,00", invoice_ids=[durand_invoice])
    assert _balance(books, household="durand").due == 800


def test_a_bounced_cheque_reopens_its_invoices_and_is_no_credit(books):
    payment_id = _pay(books, "80,00", invoice_ids=[books["invoice"]])
    assert _balance(books).due == 0 and _balance(books).available == 2240
    with pytest.raises(InvalidInput, match="motif"), db.transaction() as s:
        payments.reverse_payment(s, actor=books["staff"][0], organization_id=books["orgs"][0],
                                 payment_id=payment_id, reason=" ")
    with db.transaction() as s:
        payments.reverse_payment(s, actor=books["staff"][0], organization_id=books["orgs"][0],
                                 payment_id=payment_id, reason="Chèque sans provision")
    balance = _balance(books)
    assert (balance.due, balance.available, balance.paid) == (5760, 0, 0) and balance.holds
    with pytest.raises(Conflict, match="déjà rejeté"), db.transaction() as s:
        payments.reverse_payment(s, actor=books["staff"][0], organization_id=books["orgs"][0],
                                 payment_id=payment_id, reason="Encore")
    with pytest.raises(NotFound), db.transaction() as s:  # another town's payment id is unknown there
        payments.reverse_payment(s, actor=books["staff"][1], organization_id=books["orgs"][1],
                                 payment_id=payment_id, reason="x")


def test_a_refunded_payment_can_no_longer_be_reversed(books):
    payment_id = _pay(books, "80,00", invoice_ids=[books["invoice"]])
    _refund(books, f"payment:{payment_id}", "22,40")
    with pytest.raises(Conflict, match="remboursement"), db.transaction() as s:
        payments.reverse_payment(s, actor=books["staff"][0], organization_id=books["orgs"][0],
                                 payment_id=payment_id, reason="Chèque sans provision")
    assert _balance(books).holds


@pytest.mark.parametrize("days_ago, ok", [(0, True), (366, True), (367, False), (-1, False)])
def test_payment_dates_from_one_year_back_to_today(books, days_ago, ok):
    received = clock.today() - timedelta(days=days_ago)
    if ok:
        _pay(books, "1,00", received_on=received)
    else:
        with pytest.raises(InvalidInput):
            _pay(books, "1,00", received_on=received)


def test_a_payment_dated_year_one_is_refused(books):
    with pytest.raises(InvalidInput, match="moins d'un an"):
        _pay(books, "1,00", received_on=date(1, 1, 1))


@pytest.mark.parametrize("field, value", [("reference", "1" * 101), ("amount", "100000,01")])
def test_oversized_payment_input_is_refused(books, field, value):
    kwargs = {"reference": "0001", "amount": "1,00", field: value}
    with pytest.raises(InvalidInput), db.transaction() as s:
        payments.record_payment(s, actor=books["staff"][0], organization_id=books["orgs"][0],
                                household_id=books["martin"], method="cheque", received_on=clock.today(), **kwargs)
    with db.read() as s:
        assert s.exec(select(Payment)).all() == []


def test_an_agent_records_no_money(books):
    with db.transaction() as s:
        org = s.get(factories.Organization, books["orgs"][0])
        agent = factories.actor(s, factories.make_staff(s, org, role="agent"))
    with pytest.raises(AccessDenied), db.transaction() as s:
        payments.record_payment(s, actor=agent, organization_id=books["orgs"][0], household_id=books["martin"],
                                method="cash", amount="1", received_on=clock.today())


def test_every_money_event_is_in_the_journal_which_cannot_be_changed(books):
    payment_id = _pay(books, "80,00", invoice_ids=[books["invoice"]])
    _refund(books, f"payment:{payment_id}", "2,40")
    with db.transaction() as s:
        note = credits.issue_credit_note(s, actor=books["staff"][0], invoice_id=books["invoice"], reason="Erreur")
    second = _pay(books, "5,00")
    with db.transaction() as s:
        payments.reverse_payment(s, actor=books["staff"][0], organization_id=books["orgs"][0], payment_id=second,
                                 reason="Erreur de saisie")
    with db.read() as s:
        rows = s.exec(select(RegieJournalEntry).where(RegieJournalEntry.organization_id == books["orgs"][0])
                      .order_by(RegieJournalEntry.id)).all()
    assert [(r.kind, r.amount_cents) for r in rows] == [
        ("payment", 8000), ("refund", 240), ("credit_note", 5760), ("payment", 500), ("reversal", 500)]
    assert rows[0].payer == "Camille MARTIN" and rows[0].method == "cheque" and rows[2].reference == note.number
    assert all(r.actor_name for r in rows)
    for statement in ("UPDATE regie_journal SET amount_cents = 1", "DELETE FROM regie_journal"):
        with pytest.raises(DBAPIError, match="cannot be changed"), db.transaction() as s:
            s.exec(text(statement))


def test_an_oversized_refund_reason_is_refused_and_refunds_nothing(books):
    payment_id = _pay(books, "80,00", invoice_ids=[books["invoice"]])
    with pytest.raises(InvalidInput, match="Motif du remboursement : 300"), db.transaction() as s:
        payments.refund(s, actor=books["staff"][0], organization_id=books["orgs"][0], household_id=books["martin"],
                        source=f"payment:{payment_id}", amount="1", method="cash", reason="x" * 301)
    assert _balance(books).refunded == 0
