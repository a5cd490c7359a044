"""Recording, reversing and refunding money, exactly (what `make mutation` checks in payments.py
and reversals.py): what is refused and with which French message, the rows written, the audit
trail and the régie's journal."""

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from cityviz import clock, db
from cityviz.models import AuditEntry, Organization, Payment, Refund, RegieJournalEntry
from cityviz.services.billing import credits, ledger, payments
from cityviz.services.billing.payments import CreditSource
from cityviz.services.errors import AccessDenied, Conflict, InvalidInput, NotFound
from tests import factories
from tests.services.billing.ledger_helpers import issue_invoice, two_towns_books

pytestmark = [pytest.mark.db, pytest.mark.usefixtures("database", "frozen")]


@pytest.fixture
def books():
    with db.transaction() as s:
        books = two_towns_books(s, ("MARTIN",))
        books["invoice"] = issue_invoice(s, books["orgs"][0], books["martin"], 5760).id
        issue_invoice(s, books["orgs"][1], books["martin"], 1000)
    return books


def _pay(b, amount="10,00", method="cheque", reference="0001", received_on=None, invoice_ids=None, org=0):
    with db.transaction() as s:
        return payments.record_payment(s, actor=b["staff"][org], organization_id=b["orgs"][org],
                                       household_id=b["martin"], method=method, amount=amount,
                                       received_on=clock.today() if received_on is None else received_on,
                                       reference=reference, invoice_ids=invoice_ids)


def _refund(b, source, amount="1,00", method="transfer", reason="Départ de la commune"):
    with db.transaction() as s:
        return payments.refund(s, actor=b["staff"][0], organization_id=b["orgs"][0], household_id=b["martin"],
                               source=source, amount=amount, method=method, reason=reason)


def _reverse(b, payment_id, reason="Chèque sans provision"):
    with db.transaction() as s:
        payments.reverse_payment(s, actor=b["staff"][0], organization_id=b["orgs"][0], payment_id=payment_id,
                                 reason=reason)


def _journal(kind):
    with db.read() as s:
        return [(r.kind, r.amount_cents, r.household_id, r.payer, r.method, r.reference, r.label) for r in s.exec(
            select(RegieJournalEntry).where(RegieJournalEntry.kind == kind).order_by(RegieJournalEntry.id)).all()]


def _audit(action):
    with db.read() as s:
        return [(a.organization_id, a.object_type, a.object_id, a.household_id, a.actor_id, json.loads(a.details))
                for a in s.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()]


def _count(model) -> int:
    with db.read() as s:
        return len(s.exec(select(model)).all())


@pytest.mark.parametrize("changes, message, field", [
    (dict(method="card"), "Mode de paiement inconnu.", "method"),
    (dict(amount="0"), "Le montant doit être positif.", "amount"),
    (dict(amount="-5,00"), "", "amount"),
    (dict(amount="100000,01"), "Montant trop élevé (au plus 100\u202f000,00\xa0€).", "amount"),
    (dict(received_on="2026-09-14"), "Indiquez la date de réception.", "received_on"),
    (dict(received_on=None), "Indiquez la date de réception.", "received_on"),
    (dict(days=-1), "La date de réception ne peut pas être dans le futur.", "received_on"),
    (dict(days=367), "La date de réception doit dater de moins d'un an.", "received_on"),
    (dict(reference=" "), "Indiquez le numéro du chèque.", "reference"),
    (dict(reference="1" * 101), "Numéro de chèque ou référence : 100 caractères au maximum (101 saisis).",
     "reference"),
])
def test_a_payment_refused_says_why_and_records_nothing(books, changes, message, field):
    kwargs = dict(books=books, amount="10,00", method="cheque", reference="0001")
    changes = dict(changes)  # (the parameter is shared by every run of the test)
    days = changes.pop("days", None)
    received = changes.pop("received_on", "today")
    with pytest.raises(InvalidInput) as refused, db.transaction() as s:
        payments.record_payment(
            s, actor=books["staff"][0], organization_id=books["orgs"][0], household_id=books["martin"],
            method=changes.get("method", kwargs["method"]), amount=changes.get("amount", kwargs["amount"]),
            received_on=(clock.today() - timedelta(days=days)) if days is not None else (
                clock.today() if received == "today" else received),
            reference=changes.get("reference", kwargs["reference"]))
    assert refused.value.field == field and (not message or str(refused.value) == message)
    assert _count(Payment) == 0


def test_a_payment_at_the_limits_is_accepted(books):
    _pay(books, amount="100000,00", method="cash", reference="", received_on=clock.today() - timedelta(days=366))
    _pay(books, amount="0,01", method="cesu", reference="")
    with db.read() as s:
        assert [p.amount_cents for p in s.exec(select(Payment).order_by(Payment.id)).all()] == [10_000_000, 1]


def test_a_payment_is_recorded_traced_and_settles_its_invoice(books, frozen):
    payment_id = _pay(books, amount="80,00", reference="  12 34 ", received_on=clock.today() - timedelta(days=3),
                      invoice_ids=[books["invoice"]])
    with db.read() as s:
        payment = s.get(Payment, payment_id)
        assert ledger.balance(s, books["martin"], books["orgs"][0]).available == 2240
    assert (payment.organization_id, payment.household_id, payment.method, payment.amount_cents, payment.reference,
            payment.received_on, payment.recorded_at, payment.recorded_by_id, payment.reversed_at) == (
        books["orgs"][0], books["martin"], "cheque", 8000, "12 34", clock.today() - timedelta(days=3), clock.now(),
        books["staff"][0].user_id, None)
    assert _audit("payment.record") == [(books["orgs"][0], "payment", payment_id, books["martin"],
                                         books["staff"][0].user_id,
                                         {"method": "cheque", "amount_cents": 8000, "invoices": [books["invoice"]]})]
    assert _journal("payment") == [("payment", 8000, books["martin"], "Camille MARTIN", "cheque", "12 34",
                                    "Chèque reçu le 11/09/2026")]
    second = _pay(books, amount="1,00", method="transfer", reference="")
    assert _audit("payment.record")[1][5] == {"method": "transfer", "amount_cents": 100, "invoices": []}
    assert _journal("payment")[1][4:] == ("transfer", "", "Virement reçu le 14/09/2026") and second > payment_id


def test_a_reversal_is_dated_traced_and_reopens_the_invoice(books, frozen):
    payment_id = _pay(books, amount="57,60", invoice_ids=[books["invoice"]], received_on=clock.today()
                      - timedelta(days=1))
    for reason, message in ((" ", "Indiquez le motif du rejet (chèque sans provision…)."),
                            ("x" * 301, "Motif du rejet : 300 caractères au maximum (301 saisis).")):
        with pytest.raises(InvalidInput) as refused:
            _reverse(books, payment_id, reason)
        assert (str(refused.value), refused.value.field) == (message, "reason")
    frozen.shift(timedelta(days=2))
    _reverse(books, payment_id, "  Chèque   sans provision ")
    with db.read() as s:
        payment = s.get(Payment, payment_id)
        assert ledger.balance(s, books["martin"], books["orgs"][0]).due == 5760
    assert (payment.reversed_at, payment.reversal_reason) == (clock.now(), "Chèque sans provision")
    assert _audit("payment.reverse") == [(books["orgs"][0], "payment", payment_id, None, books["staff"][0].user_id,
                                          {"reason": "Chèque sans provision"})]
    assert _journal("reversal") == [("reversal", 5760, books["martin"], "Camille MARTIN", "cheque", "0001",
                                     "Rejet : Chèque du 13/09/2026 — Chèque sans provision")]
    with pytest.raises(Conflict, match="^Ce paiement est déjà rejeté.$"):
        _reverse(books, payment_id)
    with pytest.raises(NotFound):  # a town names its own payments only
        with db.transaction() as s:
            payments.reverse_payment(s, actor=books["staff"][0], organization_id=books["orgs"][0],
                                     payment_id=_pay(books, org=1), reason="x")


def test_a_refunded_payment_cannot_be_reversed_and_says_how_much(books):
    payment_id = _pay(books, amount="80,00", invoice_ids=[books["invoice"]])
    _refund(books, f"payment:{payment_id}", "2,40")
    with pytest.raises(Conflict) as refused:
        _reverse(books, payment_id)
    assert str(refused.value) == ("Ce paiement a déjà servi à un remboursement (2,40\xa0€) : "
                                  "il ne peut plus être rejeté.")
    assert _journal("reversal") == []


def test_what_can_be_refunded_source_by_source(books):
    _pay(books, amount="57,60", invoice_ids=[books["invoice"]])
    with db.transaction() as s:
        note = credits.issue_credit_note(s, actor=books["staff"][0], invoice_id=books["invoice"], reason="Erreur")
    cheque = _pay(books, amount="12,00", reference="778")
    cash = _pay(books, amount="3,00", method="cash", reference="", received_on=clock.today() - timedelta(days=1))
    _pay(books, amount="20,00", org=1)  # 10,00 € of credit with the other town: not this one's to refund
    _refund(books, f"payment:{cheque}", "2,00")
    with db.read() as s:
        sources = payments.credit_sources(s, actor=books["staff"][0], organization_id=books["orgs"][0],
                                          household_id=books["martin"])
    assert sources == [CreditSource(f"credit_note:{note.id}", f"Avoir n°{note.number}", "57,60\xa0€", 5760),
                       CreditSource(f"payment:{cheque}", "Trop-perçu : Chèque n° 778 du 14/09/2026", "10,00\xa0€",
                                    1000),
                       CreditSource(f"payment:{cash}", "Trop-perçu : Espèces du 13/09/2026", "3,00\xa0€", 300)]


@pytest.mark.parametrize("source, amount, method, message, field", [
    ("credit_note:x", "1,00", "cash", "Choisissez l'avoir ou le paiement à rembourser.", "source"),
    ("invoice:{id}", "1,00", "cash", "Choisissez l'avoir ou le paiement à rembourser.", "source"),
    ("{key}", "0", "cash", "Le montant doit être positif.", "amount"),
    ("{key}", "douze", "cash", "Montant invalide (exemple : 2,50).", "amount"),
    ("{key}", "1,00", "cesu", "Mode de remboursement inconnu.", "amount"),
    ("{key}", "22,41", "cash", "Le remboursement ne peut dépasser ce qui reste sur cette source (22,40\xa0€).",
     "amount"),
])
def test_a_refund_refused_says_why_and_refunds_nothing(books, source, amount, method, message, field):
    payment_id = _pay(books, amount="80,00", invoice_ids=[books["invoice"]])
    source = source.format(id=payment_id, key=f"payment:{payment_id}")
    with pytest.raises(InvalidInput) as refused:
        _refund(books, source, amount, method)
    assert str(refused.value) == message and refused.value.field == (field if method != "cesu" else "method")
    assert _count(Refund) == 0


def test_a_payment_without_reference_keeps_none(books):
    with db.transaction() as s:
        payment_id = payments.record_payment(s, actor=books["staff"][0], organization_id=books["orgs"][0],
                                             household_id=books["martin"], method="cash", amount="5,00",
                                             received_on=clock.today())
    with db.read() as s:
        assert s.get(Payment, payment_id).reference == ""
    assert _journal("payment")[-1][5] == ""


def test_a_refund_journal_reference_is_cut_to_its_column(books):
    reference = "7" * 100  # the longest cheque number: the source's label is longer than the column
    payment_id = _pay(books, amount="60,00", reference=reference, invoice_ids=[books["invoice"]])
    _refund(books, f"payment:{payment_id}", "2,40", "cash", "")
    label = f"Trop-perçu : Chèque n° {reference} du 14/09/2026"
    assert _journal("refund")[0][5] == label[:100] and len(label) > 100


def test_a_refund_reason_too_long_is_refused_on_its_field(books):
    payment_id = _pay(books, amount="80,00", invoice_ids=[books["invoice"]])
    with pytest.raises(InvalidInput) as refused:
        _refund(books, f"payment:{payment_id}", "1,00", reason="x" * 301)
    assert str(refused.value).startswith("Motif du remboursement : ") and refused.value.field == "reason"
    assert _count(Refund) == 0


def test_only_staff_who_bill_may_refund(books):
    """An agent handles families, not money: no refund, even of a family the town knows."""
    payment_id = _pay(books, amount="80,00", invoice_ids=[books["invoice"]])
    with db.transaction() as s:
        agent = factories.actor(s, factories.make_staff(s, s.get(Organization, books["orgs"][0]), role="agent",
                                                        email="agent@example.org"))
    with pytest.raises(AccessDenied), db.transaction() as s:
        payments.refund(s, actor=agent, organization_id=books["orgs"][0], household_id=books["martin"],
                        source=f"payment:{payment_id}", amount="1,00", method="cash", reason="")
    assert _count(Refund) == 0


def test_a_refund_of_a_credit_note_is_written_traced_and_journaled(books, frozen):
    _pay(books, amount="57,60", invoice_ids=[books["invoice"]])
    with db.transaction() as s:
        note = credits.issue_credit_note(s, actor=books["staff"][0], invoice_id=books["invoice"], reason="Erreur")
    refund_id = _refund(books, f"credit_note:{note.id}", "57,60", "cheque", "  Départ ")
    with db.read() as s:
        row = s.get(Refund, refund_id)
    assert (row.organization_id, row.household_id, row.amount_cents, row.method, row.credit_note_id, row.payment_id,
            row.refunded_on, row.reason, row.recorded_at, row.recorded_by_id) == (
        books["orgs"][0], books["martin"], 5760, "cheque", note.id, None, clock.today(), "Départ", clock.now(),
        books["staff"][0].user_id)
    assert _audit("payment.refund") == [(books["orgs"][0], "refund", refund_id, books["martin"],
                                         books["staff"][0].user_id,
                                         {"amount_cents": 5760, "source": f"credit_note:{note.id}"})]
    assert _journal("refund") == [("refund", 5760, books["martin"], "Camille MARTIN", "cheque",
                                   f"Avoir n°{note.number}",
                                   f"Remboursement (Chèque) sur Avoir n°{note.number} — Départ")]


def test_a_refund_of_an_overpayment_without_reason(books):
    payment_id = _pay(books, amount="60,00", reference="4455", invoice_ids=[books["invoice"]])
    refund_id = _refund(books, f"payment:{payment_id}", "2,40", "cash", "")
    with db.read() as s:
        row = s.get(Refund, refund_id)
    assert (row.credit_note_id, row.payment_id, row.amount_cents, row.reason) == (None, payment_id, 240, "")
    label = "Trop-perçu : Chèque n° 4455 du 14/09/2026"
    assert _journal("refund") == [("refund", 240, books["martin"], "Camille MARTIN", "cash", label,
                                   f"Remboursement (Espèces) sur {label}")]
    with pytest.raises(InvalidInput, match=r"^Le remboursement ne peut dépasser ce qui reste sur cette source \(0,00\xa0€\)\.$"):
        _refund(books, f"payment:{payment_id}", "0,01")


def test_a_refund_from_an_unknown_or_reversed_source_is_not_found(books):
    bounced = _pay(books, amount="5,00")
    _reverse(books, bounced)
    for source in ("payment:999999", "credit_note:999999", f"payment:{bounced}", f"credit_note:{bounced}"):
        with pytest.raises(NotFound) as refused:
            _refund(books, source, "1,00")
        assert str(refused.value) == "Avoir ou paiement introuvable pour cette famille."
    assert _count(Refund) == 0


def test_a_reversal_names_the_town_of_the_payment(books):
    """Staff of both towns, on the first town's page, cannot reverse the second town's payment."""
    from cityviz.models import StaffMembership

    other_town = _pay(books, amount="5,00", org=1)
    with db.transaction() as s:
        user = factories.make_staff(s, s.get(factories.Organization, books["orgs"][0]), role="admin")
        s.add(StaffMembership(user_id=user.id, organization_id=books["orgs"][1], role="admin", created_at=clock.now()))
        s.flush()
        both = factories.actor(s, user)
    with pytest.raises(NotFound), db.transaction() as s:
        payments.reverse_payment(s, actor=both, organization_id=books["orgs"][0], payment_id=other_town, reason="x")
    with db.read() as s:
        assert s.get(Payment, other_town).reversed_at is None
