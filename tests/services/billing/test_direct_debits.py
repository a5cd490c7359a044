"""Direct debits: mandates, the file sent to the bank, and the bank's answer."""

import re
from datetime import date

import pytest
from sqlmodel import col, select

from cityviz import clock, db
from cityviz.models import AuditEntry, BillingPeriod, Invoice, Payment, SepaMandate
from cityviz.services.billing import credits, direct_debits, ledger, payments, periods
from cityviz.services.errors import AccessDenied, Conflict, InvalidInput, NotFound
from tests.services.billing.debit_helpers import IBAN, debits, export, issue, mandate, settle

pytestmark = pytest.mark.usefixtures("database")




def _mandates() -> list[SepaMandate]:
    with db.read() as s:
        return list(s.exec(select(SepaMandate).order_by(SepaMandate.id)).all())










@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"holder_name": "  "}, "holder_name", "Indiquez le titulaire du compte."),
    ({"iban": "FR7630006000011234567890188"}, "iban", "IBAN invalide"),
    ({"reference": " "}, "reference", "Indiquez la référence unique du mandat (RUM)."),
    ({"signed_on": date(2026, 11, 6)}, "signed_on", "La date de signature ne peut pas être dans le futur."),
])
def test_a_mandate_with_bad_input_is_refused_with_a_french_message(towns, changes, field, message):
    with pytest.raises(InvalidInput, match=re.escape(message)) as refused:
        mandate(towns, **changes)
    assert refused.value.field == field or field == "iban"
    assert _mandates() == []


def test_a_mandate_is_cleaned_its_bic_found_from_the_iban_and_the_previous_one_revoked(towns):
    first = mandate(towns, holder_name="  Camille   Noiret ", reference=" RUM-1 ", signed_on=date(2026, 11, 5))
    other_town = mandate(towns, town=1, reference="RUM-B-1")
    other_family = mandate(towns, "durand", reference="RUM-D-1", bic="agrifrpp")
    with pytest.raises(InvalidInput, match="existe déjà"):
        mandate(towns, reference="RUM-1")
    with pytest.raises(InvalidInput, match="140 caractères au maximum"):  # refused, never cut
        mandate(towns, reference="RUM-2", holder_name="X" * 141)
    second = mandate(towns, reference="RUM-2", holder_name="X" * 140)
    rows = {m.id: m for m in _mandates()}
    assert (rows[first].holder_name, rows[first].reference, rows[first].iban, rows[first].bic) == (
        "Camille Noiret", "RUM-1", "FR7630006000011234567890189", "AGRIFRPPXXX")
    assert rows[first].revoked_at == clock.now()  # replaced by the second one
    assert [rows[x].revoked_at for x in (other_town, other_family, second)] == [None, None, None]
    assert rows[second].holder_name == "X" * 140
    assert rows[other_family].bic == "AGRIFRPP"
    with db.read() as s:
        saved = s.exec(select(AuditEntry).where(AuditEntry.action == "mandate.save")).all()
    assert len(saved) == 4 and {a.object_id for a in saved} == {first, other_town, other_family, second}


def test_a_mandate_needs_the_town_s_staff_and_a_known_household(towns):
    with pytest.raises(AccessDenied), db.transaction() as s:
        direct_debits.save_mandate(s, actor=towns["staff"][1], organization_id=towns["orgs"][0],
                                   household_id=towns["noiret"], holder_name="A", iban=IBAN, bic="",
                                   reference="R", signed_on=date(2026, 9, 1))
    with pytest.raises(NotFound, match="Famille introuvable dans votre organisation"):
        _mandate_unknown(towns)
    assert _mandates() == []


def _mandate_unknown(towns):
    with db.transaction() as s:
        direct_debits.save_mandate(s, actor=towns["staff"][0], organization_id=towns["orgs"][0],
                                   household_id=999_999, holder_name="A", iban=IBAN, bic="", reference="R",
                                   signed_on=date(2026, 9, 1))


def test_export_needs_the_regie_s_sepa_settings_and_something_to_send(towns):
    with pytest.raises(Conflict, match="Aucun prélèvement à transmettre"):
        export(towns)
    with pytest.raises(Conflict, match="identifiant créancier SEPA"):
        export(towns, town=1)  # the second town has no SEPA settings
    with pytest.raises(AccessDenied), db.transaction() as s:
        direct_debits.export_file(s, actor=towns["staff"][1], organization_id=towns["orgs"][0])


def test_export_sends_what_remains_due_first_then_recurring_and_lists_the_debits(towns):
    mandate(towns)
    mandate(towns, "durand", reference="RUM-DURAND-1")
    issue(towns, "2026-09")
    noiret_sept = _invoice(towns["noiret"], "2026-09")
    with db.transaction() as s:  # 1,50 € paid at the counter meanwhile: 3,50 € left to debit
        payments.record_payment(s, actor=towns["staff"][0], organization_id=towns["orgs"][0],
                                household_id=towns["noiret"], method="cash", amount="1,50",
                                received_on=date(2026, 11, 5))
    xml, name = export(towns)
    assert b'<InstdAmt Ccy="EUR">3.50</InstdAmt>' in xml and b"<SeqTp>FRST</SeqTp>" in xml
    assert b"RUM-noiret-0" in xml and name.startswith("PRLV20261105") and name.endswith(".xml")
    [sept] = debits()
    assert (sept.status, sept.amount_cents, sept.batch_reference) == ("exported", 350, name[:-4])
    assert sept.exported_at == clock.now()
    with pytest.raises(Conflict, match="Aucun prélèvement"):
        export(towns)  # nothing new
    settle(towns, sept.id, paid=True)
    issue(towns, "2026-10")  # DURAND's first debit and NOIRET's second
    xml, _name = export(towns)
    assert xml.count(b"<SeqTp>FRST</SeqTp>") == 1 and xml.count(b"<SeqTp>RCUR</SeqTp>") == 1
    with db.read() as s:
        rows = direct_debits.list_debits(s, actor=towns["staff"][0], organization_id=towns["orgs"][0])
    assert sorted((r.invoice, r.amount, r.status, r.status_label) for r in rows)[0] == (
        noiret_sept.number, "3,50\xa0€", "paid", "Payé")
    assert [r.status_label for r in rows].count("Transmis à la banque") == 2 and len(rows) == 3
    assert [r.due_date for r in rows] == sorted((r.due_date for r in rows), key=_day, reverse=True)
    with pytest.raises(AccessDenied), db.read() as s:
        direct_debits.list_debits(s, actor=towns["staff"][1], organization_id=towns["orgs"][0])


def _day(text: str) -> date:
    day, month, year = (int(x) for x in text.split("/"))
    return date(year, month, day)


def _invoice(household_id, month) -> Invoice:
    with db.read() as s:
        return s.exec(select(Invoice).join(BillingPeriod).where(
            Invoice.household_id == household_id,
            BillingPeriod.start_date == periods.month_bounds(month)[0])).one()


def test_an_invoice_settled_otherwise_is_not_debited(towns):
    mandate(towns)
    issue(towns, "2026-09")
    invoice = _invoice(towns["noiret"], "2026-09")
    with db.transaction() as s:
        credits.issue_credit_note(s, actor=towns["staff"][0], invoice_id=invoice.id, reason="Erreur")
    with pytest.raises(Conflict) as refused:
        export(towns)
    assert refused.value.message == direct_debits.NOTHING_TO_EXPORT
    assert debits()[0].status == "pending"


def test_the_bank_s_answer(towns):
    mandate(towns)
    issue(towns, "2026-09")
    [debit] = debits()
    with pytest.raises(Conflict, match="Seul un prélèvement transmis"):
        settle(towns, debit.id, paid=True)  # not sent yet
    with pytest.raises(NotFound, match="Prélèvement introuvable"):
        settle(towns, 999_999, paid=True)
    export(towns)
    with pytest.raises(NotFound), db.transaction() as s:  # another town's debit: refused like a missing one
        direct_debits.settle(s, actor=towns["staff"][1], debit_id=debit.id, paid=True)
    settle(towns, debit.id, paid=True)
    settle(towns, debit.id, paid=True)  # the same answer twice: one payment
    with db.read() as s:
        [payment] = s.exec(select(Payment)).all()
        assert direct_debits.on_direct_debit(s, [debit.invoice_id, 999_999]) == {debit.invoice_id}
        assert direct_debits.on_direct_debit(s, []) == set()
    exported = debits()[0]
    assert (payment.method, payment.amount_cents, payment.received_on, payment.reference) == (
        "direct_debit", 500, exported.due_date, exported.batch_reference)
    assert (exported.status, exported.payment_id, exported.settled_at) == ("paid", payment.id, clock.now())
    with pytest.raises(InvalidInput, match="motif du rejet"):
        settle(towns, debit.id, paid=False, reason="  ")
    settle(towns, debit.id, paid=False, reason=" Provision   insuffisante ")
    rejected = debits()[0]
    assert (rejected.status, rejected.rejection_reason) == ("rejected", "Provision insuffisante")
    with db.read() as s:
        payment = s.get(Payment, payment.id)
        assert (payment.reversed_at, payment.reversal_reason) == (clock.now(),
                                                                 "Prélèvement rejeté : Provision insuffisante")
        assert direct_debits.on_direct_debit(s, [debit.invoice_id]) == set()
        actions = [a.action for a in s.exec(select(AuditEntry).where(
            col(AuditEntry.action).like("direct_debit.%")).order_by(AuditEntry.id)).all()]
    assert actions == ["direct_debit.export", "direct_debit.paid", "direct_debit.rejected"]
    with pytest.raises(Conflict, match="Seul un prélèvement transmis"):
        settle(towns, debit.id, paid=True)


def test_a_debit_rejected_before_any_payment_reopens_nothing_and_pays_nothing(towns):
    mandate(towns)
    issue(towns, "2026-09")
    export(towns)
    [debit] = debits()
    settle(towns, debit.id, paid=False, reason="Compte clos")
    with db.read() as s:
        assert s.exec(select(Payment)).all() == []
        invoice = s.get(Invoice, debit.invoice_id)
        assert ledger.remaining_by_invoice(s, [invoice])[invoice.id] == 500
    assert (debits()[0].status, debits()[0].payment_id) == ("rejected", None)
