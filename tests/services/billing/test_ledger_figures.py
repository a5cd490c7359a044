"""The ledger's figures, exactly (what `make mutation` checks in ledger.py): each source of
credit with what it settled and what was refunded from it, in the order credit is used; the
balance of one household with one town; the « à payer » table the staff lists filter on."""

from datetime import timedelta

import pytest
from sqlmodel import select

from cityviz import clock, db
from cityviz.models import InvoiceLine
from cityviz.services.billing import credits, ledger, payments
from cityviz.services.billing.ledger import Balance, Source
from tests.services.billing.ledger_helpers import invoice_in, two_towns_books

pytestmark = [pytest.mark.db, pytest.mark.usefixtures("database", "frozen")]


@pytest.fixture
def books():
    with db.transaction() as s:
        return two_towns_books(s)


_invoice = invoice_in


def _pay(b, amount, invoice_ids, org=0, household="martin") -> int:
    with db.transaction() as s:
        return payments.record_payment(s, actor=b["staff"][org], organization_id=b["orgs"][org],
                                       household_id=b[household], method="cash", amount=amount,
                                       received_on=clock.today(), invoice_ids=invoice_ids)


def _note(b, invoice, org=0, line_ids=None):
    with db.transaction() as s:
        return credits.issue_credit_note(s, actor=b["staff"][org], invoice_id=invoice.id, reason="Erreur",
                                         line_ids=line_ids)


def _refund(b, source, amount, org=0, household="martin"):
    with db.transaction() as s:
        payments.refund(s, actor=b["staff"][org], organization_id=b["orgs"][org], household_id=b[household],
                        source=source, amount=amount, method="cash", reason="")


def _reverse(b, payment_id, org=0):
    with db.transaction() as s:
        payments.reverse_payment(s, actor=b["staff"][org], organization_id=b["orgs"][org], payment_id=payment_id,
                                 reason="Chèque sans provision")


def test_sources_credit_notes_first_then_payments_each_oldest_first(books, frozen):
    first, second = _invoice(books, 5760), _invoice(books, 800)
    other_town = _invoice(books, 1000, org=1)
    p1 = _pay(books, "70,00", [first.id])  # 12,40 € left
    p2 = _pay(books, "8,00", [second.id])  # nothing left
    p3 = _pay(books, "3,00", [])  # reversed: counts for nothing
    _reverse(books, p3)
    frozen.shift(-1800)
    p0 = _pay(books, "5,00", [])  # entered after, recorded before
    n1 = _note(books, first)
    frozen.shift(-1800)
    n2 = _note(books, second)  # issued before n1
    frozen.shift(3600)
    _refund(books, f"credit_note:{n1.id}", "1,00")
    _refund(books, f"payment:{p1}", "2,40")
    p4 = _pay(books, "20,00", [other_town.id], org=1)  # 10,00 € left in the other town
    _invoice(books, 300, household="durand")
    _pay(books, "7,00", [], household="durand")  # 4,00 € left
    town = books["orgs"]
    expected = [Source("credit_note", n2.id, town[0], 800, 0, 0, f"Avoir n°{n2.number}"),
                Source("credit_note", n1.id, town[0], 5760, 0, 100, f"Avoir n°{n1.number}"),
                Source("payment", p0, town[0], 500, 0, 0),
                Source("payment", p1, town[0], 7000, 5760, 240)]
    with db.read() as s:
        assert ledger.sources(s, [books["martin"]], town[0]) == {books["martin"]: expected}
        with_empty = ledger.sources(s, [books["martin"]], town[0], with_empty=True)[books["martin"]]
        assert with_empty == [*expected, Source("payment", p2, town[0], 800, 800, 0)]
        every_town = ledger.sources(s, [books["martin"]])[books["martin"]]
        assert every_town == [*expected[:2], Source("payment", p0, town[0], 500, 0, 0),
                              Source("payment", p1, town[0], 7000, 5760, 240),
                              Source("payment", p4, town[1], 2000, 1000, 0)]
        both = ledger.sources(s, [books["martin"], books["durand"]], town[0])
        assert sorted(both) == [books["martin"], books["durand"]] and len(both[books["durand"]]) == 1
        assert ledger.sources(s, []) == {}
        assert ledger.available_credit(s, books["martin"], town[0]) == 800 + 5660 + 500 + 1000
        assert ledger.available_credit(s, books["martin"]) == 7960 + 1000
    assert [x.key for x in expected] == [f"credit_note:{n2.id}", f"credit_note:{n1.id}", f"payment:{p0}",
                                         f"payment:{p1}"]
    assert [x.left for x in expected] == [800, 5660, 500, 1000]


def test_balance_of_one_family_with_one_town(books):
    invoice = _invoice(books, 4500, lines=[("Léo", "Restauration scolaire", 2500), ("Léo", "Garderie", 2000)])
    with db.read() as s:
        meal = s.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id, InvoiceLine.position == 1)).one()
    _note(books, invoice, line_ids=[meal.id])  # 25,00 € credited
    kept = _pay(books, "30,00", [invoice.id])  # 20,00 € settled, 10,00 € left
    bounced = _pay(books, "7,00", [])
    _reverse(books, bounced)
    _refund(books, f"payment:{kept}", "1,50")
    _invoice(books, 1200)  # 8,50 € of credit applied: 3,50 € due
    noise = [_invoice(books, 900, household="durand"), _invoice(books, 700, org=1)]
    _note(books, noise[0])
    _note(books, noise[1], org=1)
    _pay(books, "2,00", [], household="durand")
    _refund_id = _pay(books, "3,00", [], org=1)
    _refund(books, f"payment:{_refund_id}", "1,00", org=1)
    with db.read() as s:
        balance = ledger.balance(s, books["martin"], books["orgs"][0])
        assert ledger.balance(s, books["martin"], books["orgs"][1]) == Balance(700, 700, 300, 100, 0, 200)
        assert ledger.balance(s, books["durand"], books["orgs"][0]) == Balance(900, 900, 200, 0, 0, 200)
    assert balance == Balance(invoiced=5700, credited=2500, paid=3000, refunded=150, due=350, available=0)
    assert balance.holds
    for wrong in (dict(due=351), dict(available=1), dict(paid=2999), dict(refunded=151), dict(credited=2501),
                  dict(invoiced=5701)):
        assert not Balance(**{**balance.__dict__, **wrong}).holds


def test_the_to_pay_table_of_a_town(books):
    credited = _invoice(books, 800)  # the oldest: credit goes to them first
    both = _invoice(books, 3000, lines=[("Léo", "Restauration scolaire", 1000), ("Léo", "Garderie", 2000)])
    small = _invoice(books, 200)
    paid_in_part = _invoice(books, 5760)
    reopened = _invoice(books, 1000)
    untouched = _invoice(books, 450, household="durand")
    other_town = _invoice(books, 1000, org=1)
    _note(books, credited)
    with db.read() as s:
        meal = s.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == both.id, InvoiceLine.position == 1)).one()
    _note(books, both, line_ids=[meal.id])
    _note(books, small)  # three credit notes, each counted once; this one settles the older `both`
    _pay(books, "5,00", [both.id])
    _pay(books, "20,00", [paid_in_part.id])
    _reverse(books, _pay(books, "10,00", [reopened.id]))
    _pay(books, "4,00", [other_town.id], org=1)
    due = clock.today() + timedelta(days=30)
    with db.read() as s:
        table = ledger.remaining_table(books["orgs"][0])
        rows = s.exec(select(table.c.invoice_id, table.c.due_date, table.c.left_cents).order_by(table.c.invoice_id))
        assert [tuple(r) for r in rows] == [(credited.id, due, 0), (both.id, due, 1300), (small.id, due, 200),
                                            (paid_in_part.id, due, 3760), (reopened.id, due, 1000),
                                            (untouched.id, due, 450)]
        other = ledger.remaining_table(books["orgs"][1])
        assert [tuple(r) for r in s.exec(select(other.c.invoice_id, other.c.left_cents))] == [(other_town.id, 600)]
        by_invoice = ledger.remaining_by_invoice(s, [credited, both, small, paid_in_part, reopened, untouched])
    assert list(by_invoice.values()) == [0, 1300, 200, 3760, 1000, 450]


def test_sums_are_of_the_keys_asked_only(books):
    from cityviz.models import Refund

    invoice = _invoice(books, 800)
    first, second = _pay(books, "10,00", [invoice.id]), _pay(books, "5,00", [])
    _refund(books, f"payment:{first}", "1,00")
    _refund(books, f"payment:{first}", "0,50")
    _refund(books, f"payment:{second}", "2,00")
    with db.read() as s:
        assert ledger.sums(s, Refund.amount_cents, Refund.payment_id, [first]) == {first: 150}
        assert ledger.sums(s, Refund.amount_cents, Refund.payment_id, [first, second, 999]) == {first: 150, second: 200}
        assert ledger.sums(s, Refund.amount_cents, Refund.payment_id, []) == {}


def test_one_cent_left_is_credit(books):
    invoice = _invoice(books, 800)
    payment = _pay(books, "8,01", [invoice.id])
    with db.read() as s:
        assert ledger.sources(s, [books["martin"]], books["orgs"][0]) == {
            books["martin"]: [Source("payment", payment, books["orgs"][0], 801, 800, 0)]}
        assert ledger.available_credit(s, books["martin"]) == 1
