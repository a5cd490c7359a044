"""How credit settles invoices, exactly (the rules `make mutation` checks in credits.py): oldest
invoice first, credit notes before payments, never across households or towns; what a credit note
holds, how it is numbered, traced and announced to the family."""

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from cityviz import clock, config, db
from cityviz.models import (
    AuditEntry,
    CreditAllocation,
    CreditNote,
    CreditNoteLine,
    DocumentCounter,
    InvoiceLine,
    Organization,
    OutboxEmail,
    Payment,
    PaymentAllocation,
    Person,
    RegieJournalEntry,
)
from cityviz.services.billing import credits, ledger, payments
from cityviz.services.errors import Conflict, InvalidInput, NotFound
from tests import factories
from tests.services.billing.ledger_helpers import invoice_in, two_towns_books

pytestmark = [pytest.mark.db, pytest.mark.usefixtures("database", "frozen")]


@pytest.fixture
def books():
    """Two towns; the MARTIN family (two active accounts, one closed) known to both, DURAND."""
    with db.transaction() as s:
        books = two_towns_books(s, ("MARTIN",))
        for first_name, email, active in (("Paul", "paul@example.org", True), ("Ancien", "ancien@example.org", False)):
            person = Person(household_id=books["martin"], role="guardian", first_name=first_name,
                            last_name="MARTIN", created_at=clock.now())
            s.add(person)
            s.flush()
            factories.make_user(s, email=email, person_id=person.id, is_active=active)
        books["durand"] = factories.make_household(s, "DURAND", "durand@example.org")[0].id
    return books


_invoice = invoice_in


def _pay(b, amount, invoice_ids, org=0, household="martin") -> int:
    with db.transaction() as s:
        return payments.record_payment(s, actor=b["staff"][org], organization_id=b["orgs"][org],
                                       household_id=b[household], method="cheque", amount=amount,
                                       received_on=clock.today(), reference="0001", invoice_ids=invoice_ids)


def _note(b, invoice, reason="Erreur de pointage", line_ids=None, org=0) -> CreditNote:
    with db.transaction() as s:
        return credits.issue_credit_note(s, actor=b["staff"][org], invoice_id=invoice.id, reason=reason,
                                         line_ids=line_ids)


def _allocations(model, column, source_id) -> list[tuple[int, int]]:
    with db.read() as s:
        return [(a.invoice_id, a.amount_cents) for a in s.exec(select(model).where(column == source_id)
                                                                 .order_by(model.id)).all()]


def _due(*invoices) -> list[int]:
    with db.read() as s:
        remaining = ledger.remaining_by_invoice(s, invoices)
    return [remaining[i.id] for i in invoices]


def test_credit_settles_the_oldest_open_invoices_of_its_own_town_and_family(books, frozen):
    paid = _invoice(books, 5760, apply_credit=False)
    newer = _invoice(books, 3000, apply_credit=False)
    frozen.shift(-3600)  # entered after, but issued an hour before
    older = _invoice(books, 800, apply_credit=False)
    other_town = _invoice(books, 1000, org=1, apply_credit=False)
    other_family = _invoice(books, 500, household="durand", apply_credit=False)
    frozen.shift(3600)
    payment_id = _pay(books, "70,00", [paid.id])  # 12,40 € too much
    with db.transaction() as s:  # every town at once, two families
        applied = credits.apply_available_credit(s, household_ids=[books["martin"], books["durand"]])
    assert applied == 1240
    assert _allocations(PaymentAllocation, PaymentAllocation.payment_id, payment_id) == [
        (paid.id, 5760), (older.id, 800), (newer.id, 440)]
    assert _due(paid, older, newer, other_town, other_family) == [0, 0, 2560, 1000, 500]
    with db.transaction() as s:  # nothing left to apply
        assert credits.apply_available_credit(s, household_ids=[books["martin"]]) == 0


def test_credit_of_one_town_only_when_the_town_is_named(books):
    first = _invoice(books, 5760, apply_credit=False)
    second = _invoice(books, 1000, apply_credit=False)
    payment_id = _pay(books, "70,00", [first.id])
    with db.transaction() as s:
        assert credits.apply_available_credit(s, household_ids=[books["martin"]],
                                              organization_id=books["orgs"][1]) == 0
    assert _due(second) == [1000]
    with db.transaction() as s:
        assert credits.apply_available_credit(s, household_ids=[books["martin"]],
                                              organization_id=books["orgs"][0]) == 1000
    assert _allocations(PaymentAllocation, PaymentAllocation.payment_id, payment_id) == [
        (first.id, 5760), (second.id, 1000)]


def test_credit_notes_are_used_before_payments_and_a_used_up_source_is_skipped(books):
    first = _invoice(books, 5760)
    second = _invoice(books, 800)
    third = _invoice(books, 5000)
    payment_id = _pay(books, "70,00", [first.id])  # 12,40 € left
    note = _note(books, first)  # 57,60 € of credit, the invoice being paid already
    assert _allocations(CreditAllocation, CreditAllocation.credit_note_id, note.id) == [
        (second.id, 800), (third.id, 4960)]
    assert _allocations(PaymentAllocation, PaymentAllocation.payment_id, payment_id) == [
        (first.id, 5760), (third.id, 40)]
    fourth = _invoice(books, 300)  # the credit note is used up: the payment pays
    assert _allocations(CreditAllocation, CreditAllocation.credit_note_id, note.id)[2:] == []
    assert _allocations(PaymentAllocation, PaymentAllocation.payment_id, payment_id)[2:] == [(fourth.id, 300)]
    with db.read() as s:
        assert ledger.available_credit(s, books["martin"]) == 900
        assert {a.allocated_at for a in s.exec(select(CreditAllocation)).all()} == {clock.now()}
    assert _due(first, second, third, fourth) == [0, 0, 0, 0]


def test_a_payment_settles_the_chosen_invoices_or_else_the_oldest_open_ones(books):
    first = _invoice(books, 5760)
    second = _invoice(books, 800)
    third = _invoice(books, 1500)
    other_town = _invoice(books, 1000, org=1)
    once = _pay(books, "10,00", [second.id, second.id])  # the same invoice twice: once
    assert _allocations(PaymentAllocation, PaymentAllocation.payment_id, once) == [(second.id, 800)]
    rest = _pay(books, "60,00", None)  # oldest first, skipping the paid one; 2,40 € left
    assert _allocations(PaymentAllocation, PaymentAllocation.payment_id, rest) == [(first.id, 5760), (third.id, 240)]
    assert _due(first, second, third, other_town) == [0, 0, 1260, 1000]
    for wrong in ([other_town.id], [third.id, other_town.id], [999999]):
        with pytest.raises(NotFound, match=r"^Facture introuvable pour cette famille\.$"):
            _pay(books, "1,00", wrong)


def test_allocate_payment_returns_what_it_settled(books):
    invoice = _invoice(books, 800)
    with db.transaction() as s:
        payment = Payment(organization_id=books["orgs"][0], household_id=books["martin"], method="cash",
                          amount_cents=1000, received_on=clock.today(), recorded_at=clock.now())
        s.add(payment)
        s.flush()
        assert credits.allocate_payment(s, payment, None) == 800
        assert credits.allocate_payment(s, payment, [invoice.id]) == 0  # nothing left due
    assert _due(invoice) == [0]


def _lines(note_id) -> list[tuple[int, str, int]]:
    with db.read() as s:
        return [(x.invoice_line_id, x.label, x.total_cents) for x in s.exec(
            select(CreditNoteLine).where(CreditNoteLine.credit_note_id == note_id).order_by(CreditNoteLine.id)).all()]


def test_a_credit_note_cancels_chosen_lines_then_the_rest_numbered_without_gap(books):
    invoice = _invoice(books, 4500, lines=[("Léo", "Restauration scolaire", 2500), ("Jade", "Garderie du soir", 1500),
                                           ("Léo", "Majoration", 500)])
    with db.read() as s:
        meal, care, surcharge = s.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)
                                       .order_by(InvoiceLine.position)).all()
    with pytest.raises(NotFound, match=r"^Ligne introuvable sur cette facture\.$"):
        _note(books, invoice, line_ids=[meal.id, 999999])
    note = _note(books, invoice, reason="  Repas   non servis ", line_ids=[surcharge.id, meal.id])
    assert (note.number, note.counter_year, note.counter_value, note.total_cents) == ("A20260900001", 2026, 1, 3000)
    assert (note.organization_id, note.household_id, note.invoice_id) == (books["orgs"][0], books["martin"], invoice.id)
    assert (note.reason, note.payer_name, note.payer_address) == ("Repas non servis", "Camille MARTIN",
                                                                  "1 rue de la Paix")
    assert (note.issued_at, note.issued_by_id) == (clock.now(), books["staff"][0].user_id)
    assert _lines(note.id) == [(meal.id, "Léo – Restauration scolaire", 2500), (surcharge.id, "Léo – Majoration", 500)]
    assert _allocations(CreditAllocation, CreditAllocation.credit_note_id, note.id) == [(invoice.id, 3000)]
    rest = _note(books, invoice)  # the whole invoice: what is left of it
    assert (rest.number, rest.counter_value, rest.total_cents) == ("A20260900002", 2, 1500)
    assert _lines(rest.id) == [(care.id, "Jade – Garderie du soir", 1500)]
    with pytest.raises(Conflict, match=r"^Ces lignes ont déjà été entièrement annulées par un avoir\.$"):
        _note(books, invoice, line_ids=[care.id])
    with db.read() as s:
        counters = s.exec(select(DocumentCounter.kind, DocumentCounter.year, DocumentCounter.last_value)
                          .where(DocumentCounter.organization_id == books["orgs"][0])
                          .order_by(DocumentCounter.kind)).all()
    assert [tuple(c) for c in counters] == [("credit_note", 2026, 2), ("invoice", 2026, 1)]
    assert _due(invoice) == [0]


@pytest.mark.parametrize("reason, message", [
    (" ", "Indiquez le motif de l'avoir : il figure sur le document."),
    ("x" * 501, "Motif de l'avoir : 500 caractères au maximum (501 saisis).")])
def test_a_credit_note_needs_a_short_reason(books, reason, message):
    invoice = _invoice(books, 800)
    with pytest.raises(InvalidInput) as refused:
        _note(books, invoice, reason=reason)
    assert (str(refused.value), refused.value.field) == (message, "reason")
    with db.read() as s:
        assert s.exec(select(CreditNote)).all() == [] and s.exec(select(DocumentCounter.last_value).where(
            DocumentCounter.kind == "credit_note")).all() in ([], [0])


def test_a_credit_note_is_in_the_audit_trail_and_the_regie_journal(books):
    invoice = _invoice(books, 800)
    note = _note(books, invoice, reason="Sortie scolaire")
    with db.read() as s:
        [audit] = s.exec(select(AuditEntry).where(AuditEntry.action == "credit_note.issue")).all()
        [row] = s.exec(select(RegieJournalEntry).where(RegieJournalEntry.kind == "credit_note")).all()
    assert (audit.organization_id, audit.object_type, audit.object_id, audit.actor_id) == (
        books["orgs"][0], "credit_note", note.id, books["staff"][0].user_id)
    assert json.loads(audit.details) == {"number": note.number, "invoice": invoice.number, "amount_cents": 800,
                                         "reason": "Sortie scolaire"}
    assert (row.organization_id, row.amount_cents, row.household_id, row.payer, row.reference, row.label) == (
        books["orgs"][0], 800, books["martin"], "Camille MARTIN", note.number,
        f"Avoir n°{note.number} sur la facture n°{invoice.number} : Sortie scolaire")


def _mails():
    with db.read() as s:
        return s.exec(select(OutboxEmail).order_by(OutboxEmail.to_address)).all()


def test_the_family_active_accounts_hear_of_a_credit_note(books):
    invoice = _invoice(books, 3000)
    _invoice(books, 500, household="durand")
    note = _note(books, invoice, reason="Repas non servis")
    mails = _mails()
    assert [m.to_address for m in mails] == ["martin@example.org", "paul@example.org"]  # not the closed account
    body = (f"Bonjour,\n\nBretteville a émis l'avoir n° {note.number} d'un montant de 30,00\xa0€ sur votre facture "
            f"n° {invoice.number}.\nMotif : Repas non servis\nSon montant est déduit de vos factures restant à payer, "
            f"ou des prochaines.\n\nConsultez-le et téléchargez-le (PDF) : {config.get().public_url}/factures\n")
    for mail in mails:
        assert (mail.subject, mail.body, mail.organization_id, mail.action_label) == (
            f"Votre avoir n° {note.number} – Bretteville", body, books["orgs"][0], "Voir mon avoir")
        assert (mail.attachment_name, mail.attachment_key) == ("", None)


def test_the_credit_note_pdf_is_attached_when_the_regie_says_so(books):
    with db.transaction() as s:
        s.get(Organization, books["orgs"][0]).email_invoice_pdf = True
    invoice = _invoice(books, 3000)
    note = _note(books, invoice)
    mails = _mails()
    assert {m.attachment_name for m in mails} == {f"avoir-{note.number}.pdf"}
    assert len({m.attachment_key for m in mails}) == 1 and mails[0].attachment_key
    pdf = config.get().upload_dir / mails[0].attachment_key[:2] / mails[0].attachment_key
    assert pdf.read_bytes().startswith(b"%PDF")


def test_a_family_without_active_account_gets_no_mail_and_no_pdf_is_made(books):
    with db.transaction() as s:
        s.get(Organization, books["orgs"][0]).email_invoice_pdf = True
        for user in s.exec(select(factories.User).join(Person, Person.id == factories.User.person_id)
                           .where(Person.household_id == books["durand"])).all():
            user.is_active = False
    invoice = _invoice(books, 500, household="durand")
    _note(books, invoice)
    assert _mails() == []
    upload_dir = config.get().upload_dir
    assert not upload_dir.exists() or not any(p.is_file() for p in upload_dir.rglob("*"))


def test_credit_allocated_at_follows_the_clock(books, frozen):
    invoice = _invoice(books, 800)
    frozen.shift(timedelta(days=2))
    note = _note(books, invoice)
    with db.read() as s:
        [allocation] = s.exec(select(CreditAllocation).where(CreditAllocation.credit_note_id == note.id)).all()
    assert allocation.allocated_at == clock.now() == note.issued_at


def test_a_credit_note_lists_its_lines_in_the_invoice_order_down_to_one_cent(books):
    invoice = _invoice(books, 2501, lines=[("Léo", "Arrondi", 1, 3), ("Léo", "Restauration scolaire", 2500, 1)])
    note = _note(books, invoice)
    assert [(label, cents) for _id, label, cents in _lines(note.id)] == [("Léo – Restauration scolaire", 2500),
                                                                         ("Léo – Arrondi", 1)]
    assert note.total_cents == 2501


def test_a_credit_note_applies_the_credit_of_its_own_town_only(books):
    other_invoice = _invoice(books, 1000, org=1)
    _pay(books, "20,00", [other_invoice.id], org=1)  # 10,00 € of credit with the other town
    waiting = _invoice(books, 500, org=1, apply_credit=False)  # not yet settled by it
    _note(books, _invoice(books, 800))
    assert _due(waiting) == [500]


def test_a_payment_without_chosen_invoices_settles_the_earliest_issued_first(books, frozen):
    later = _invoice(books, 1000)
    frozen.shift(-3600)
    earlier = _invoice(books, 800)  # entered after, issued an hour before
    frozen.shift(3600)
    payment_id = _pay(books, "10,00", None)
    assert _allocations(PaymentAllocation, PaymentAllocation.payment_id, payment_id) == [(earlier.id, 800),
                                                                                         (later.id, 200)]


def test_a_payment_settles_down_to_the_last_cent(books):
    invoice = _invoice(books, 1000)
    _pay(books, "9,99", [invoice.id])
    assert _due(invoice) == [1]
    last = _pay(books, "0,01", None)
    assert _allocations(PaymentAllocation, PaymentAllocation.payment_id, last) == [(invoice.id, 1)]
    assert _due(invoice) == [0]


def test_one_cent_of_credit_is_applied_too(books):
    paid = _invoice(books, 1000)
    payment_id = _pay(books, "10,01", [paid.id])  # one cent too much
    later = _invoice(books, 500)
    assert _allocations(PaymentAllocation, PaymentAllocation.payment_id, payment_id) == [(paid.id, 1000),
                                                                                         (later.id, 1)]
    assert _due(later) == [499]


def test_a_used_up_source_is_passed_over_for_the_next_one_without_a_zero_allocation(books):
    first = _invoice(books, 1000, apply_credit=False)
    three_left = _pay(books, "13,00", [first.id])
    second = _invoice(books, 1000, apply_credit=False)
    four_left = _pay(books, "14,00", [second.id])
    small = _invoice(books, 300, apply_credit=False)  # takes the first source whole
    large = _invoice(books, 1000, apply_credit=False)  # the first is empty by then: the second pays
    with db.transaction() as s:
        assert credits.apply_available_credit(s, household_ids=[books["martin"]],
                                              organization_id=books["orgs"][0]) == 700
    assert _allocations(PaymentAllocation, PaymentAllocation.payment_id, three_left) == [(first.id, 1000),
                                                                                          (small.id, 300)]
    assert _allocations(PaymentAllocation, PaymentAllocation.payment_id, four_left) == [(second.id, 1000),
                                                                                         (large.id, 400)]
    assert _due(small, large) == [0, 600]
