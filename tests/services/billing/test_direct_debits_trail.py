"""Direct debits, the details a régisseur relies on: exact French messages, the
audit trail, which debits go in a file and in what order, what a paid debit settles."""

import json
from datetime import date, datetime

import pytest
from sqlmodel import col, select

from cityviz import clock, db
from cityviz.models import AuditEntry, Invoice, Organization, Payment, SepaMandate
from cityviz.services.billing import credits, direct_debits, ledger, payments
from cityviz.services.errors import Conflict, DomainError, InvalidInput, NotFound
from tests.services.billing.debit_helpers import IBAN, debits, export, issue, mandate, settle

pytestmark = pytest.mark.usefixtures("database")




def _refusal(call) -> DomainError:
    with pytest.raises(DomainError) as refused, db.transaction() as s:
        call(s)
    return refused.value


def _audit(action: str) -> list[tuple]:
    with db.read() as s:
        return [(a.actor_id, a.organization_id, a.object_type, a.object_id, json.loads(a.details))
                for a in s.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))]










def _sepa(towns, town: int, creditor: str, iban: str) -> None:
    with db.transaction() as s:
        org = s.get(Organization, towns["orgs"][town])
        org.sepa_creditor_id, org.sepa_iban, org.sepa_bic = creditor, iban, "AGRIFRPP"
        s.add(org)


def test_mandate_messages_fields_caps_and_trail(towns):
    staff, org = towns["staff"][0], towns["orgs"][0]
    cases = [({"holder_name": " "}, "Indiquez le titulaire du compte.", "holder_name"),
             ({"iban": "GB82 WEST 1234 5698 7654 32"}, "Indiquez le BIC de la banque.", "bic"),
             ({"reference": " "}, "Indiquez la référence unique du mandat (RUM).", "reference"),
             ({"signed_on": date(2026, 11, 6)}, "La date de signature ne peut pas être dans le futur.", "signed_on")]
    for changes, message, field in cases:
        with pytest.raises(InvalidInput) as refused:
            mandate(towns, **changes)
        assert (refused.value.message, refused.value.field) == (message, field)
    unknown = _refusal(lambda s: direct_debits.save_mandate(
        s, actor=staff, organization_id=org, household_id=999_999, holder_name="A", iban=IBAN, bic="",
        reference="R", signed_on=date(2026, 9, 1)))
    assert (type(unknown), unknown.message) == (NotFound, "Famille introuvable dans votre organisation.")
    with pytest.raises(InvalidInput, match="35 caractères au maximum"):  # refused, never cut
        mandate(towns, reference="R" * 36)
    first = mandate(towns, reference="R" * 35)
    with pytest.raises(InvalidInput) as duplicate:
        mandate(towns, reference=" " + "R" * 35)  # the same once trimmed
    assert (duplicate.value.message, duplicate.value.field) == ("Cette référence de mandat existe déjà.", "reference")
    with db.read() as s:
        saved = s.get(SepaMandate, first)
    assert (saved.organization_id, saved.household_id, saved.signed_on, saved.created_at) == (
        org, towns["noiret"], date(2026, 9, 1), clock.now())
    assert saved.reference == "R" * 35
    assert _audit("mandate.save") == [(staff.user_id, org, "sepa_mandate", first,
                                       {"reference": "R" * 35})]  # the family: audit_entry.household_id


def test_a_new_mandate_revokes_only_the_active_one(towns, frozen):
    first = mandate(towns, reference="RUM-1")
    frozen.move_to(datetime(2026, 11, 5, 11, 0, tzinfo=clock.PARIS))
    second = mandate(towns, reference="RUM-2")
    frozen.move_to(datetime(2026, 11, 5, 12, 0, tzinfo=clock.PARIS))
    third = mandate(towns, reference="RUM-3")
    with db.read() as s:  # revoking again would move the first one's date
        assert s.get(SepaMandate, first).revoked_at == datetime(2026, 11, 5, 11, 0, tzinfo=clock.PARIS)
        assert s.get(SepaMandate, second).revoked_at == datetime(2026, 11, 5, 12, 0, tzinfo=clock.PARIS)
        assert s.get(SepaMandate, third).revoked_at is None


def test_export_messages_and_which_debits_go_in_the_file(towns, frozen):
    no_sepa = _refusal(lambda s: direct_debits.export_file(s, actor=towns["staff"][1],
                                                           organization_id=towns["orgs"][1]))
    assert no_sepa.message == "Renseignez d'abord l'identifiant créancier SEPA et l'IBAN de la régie (Régie)."
    _sepa(towns, 1, "FR72ZZZ123456", "")  # a creditor id without an IBAN is not enough either
    assert _refusal(lambda s: direct_debits.export_file(s, actor=towns["staff"][1],
                                                        organization_id=towns["orgs"][1])).message == no_sepa.message
    nothing = _refusal(lambda s: direct_debits.export_file(s, actor=towns["staff"][0],
                                                           organization_id=towns["orgs"][0]))
    assert (type(nothing), nothing.message) == (Conflict, direct_debits.NOTHING_TO_EXPORT)
    _sepa(towns, 1, "FR72ZZZ654321", "FR7630006000011234567890189")
    mandate(towns)
    mandate(towns, town=1)
    issue(towns, "2026-09", town=1)  # the other town's debit stays out of town 1's file
    issue(towns, "2026-09")
    with db.transaction() as s:  # all but one cent paid at the counter: the cent is still debited
        payments.record_payment(s, actor=towns["staff"][0], organization_id=towns["orgs"][0],
                                household_id=towns["noiret"], method="cash", amount="4,99",
                                received_on=date(2026, 11, 5))
    xml, name = export(towns)
    assert b'<InstdAmt Ccy="EUR">0.01</InstdAmt>' in xml and xml.count(b"<InstdAmt") == 1
    town1, town2 = debits()[1], debits()[0]
    assert (town1.status, town1.amount_cents, town2.status) == ("exported", 1, "pending")
    assert _audit("direct_debit.export") == [(towns["staff"][0].user_id, towns["orgs"][0], "direct_debit", None,
                                              {"batch": name[:-4], "count": 1})]
    mandate(towns, "durand")
    issue(towns, "2026-10")  # NOIRET's mandate was used by a debit still with the bank: recurring
    xml, _name = export(towns)
    assert xml.count(b"<SeqTp>RCUR</SeqTp>") == 1 and xml.count(b"<SeqTp>FRST</SeqTp>") == 1


def test_a_debit_settled_otherwise_is_skipped_and_the_next_ones_still_sent(towns, frozen):
    mandate(towns)
    mandate(towns, "durand")
    issue(towns, "2026-09")
    frozen.move_to(datetime(2026, 12, 5, 10, 0, tzinfo=clock.PARIS))
    issue(towns, "2026-10")
    first = debits()[0]
    with db.transaction() as s:
        credits.issue_credit_note(s, actor=towns["staff"][0], invoice_id=first.invoice_id, reason="Erreur")
    xml, _name = export(towns)
    assert xml.count(b"<InstdAmt") == 2
    assert [d.status for d in debits()] == ["pending", "exported", "exported"]


def test_files_and_the_list_are_in_due_date_order(towns, frozen):
    mandate(towns)
    mandate(towns, "durand")
    issue(towns, "2026-09")  # NOIRET, due in December
    frozen.move_to(datetime(2026, 12, 5, 10, 0, tzinfo=clock.PARIS))
    issue(towns, "2026-10")  # NOIRET and DURAND, due in December
    made = debits()
    assert made[0].due_date < made[1].due_date == made[2].due_date
    with db.read() as s:
        numbers = {d.id: s.get(Invoice, d.invoice_id).number for d in made}
        payers = {d.id: s.get(Invoice, d.invoice_id).payer_name for d in made}
    xml, _name = export(towns)
    positions = [xml.index(f"F{numbers[d.id]}".encode()) for d in made]
    assert positions == sorted(positions)  # due date, then id
    assert [d.status for d in debits()] == ["exported"] * 3
    with db.read() as s:
        rows = direct_debits.list_debits(s, actor=towns["staff"][0], organization_id=towns["orgs"][0])
    expected = [made[1], made[2], made[0]]  # latest due first, then id
    assert [(r.id, r.invoice, r.payer) for r in rows] == [(d.id, numbers[d.id], payers[d.id]) for d in expected]


def test_a_paid_debit_settles_its_own_invoice_and_records_who(towns):
    issue(towns, "2026-09")  # before the mandate: paid otherwise
    mandate(towns)
    issue(towns, "2026-10")
    export(towns)
    [debit] = debits()
    settle(towns, debit.id, paid=True)
    with db.read() as s:
        invoices = {i.number[:6]: i for i in s.exec(select(Invoice).where(Invoice.household_id == towns["noiret"],
                                                                          Invoice.organization_id == towns["orgs"][0]))}
        remaining = ledger.remaining_by_invoice(s, invoices.values())
        [payment] = s.exec(select(Payment)).all()
    assert (remaining[invoices["202609"].id], remaining[invoices["202610"].id]) == (500, 0)
    assert payment.recorded_by_id == towns["staff"][0].user_id
    assert _audit("direct_debit.paid") == [(towns["staff"][0].user_id, towns["orgs"][0], "direct_debit", debit.id,
                                            {"invoice": invoices["202610"].number, "reason": ""})]


def test_the_bank_s_answer_messages_and_the_rejection_trail(towns):
    mandate(towns)
    issue(towns, "2026-09")
    [debit] = debits()
    staff = towns["staff"][0]
    early = _refusal(lambda s: direct_debits.settle(s, actor=staff, debit_id=debit.id, paid=True))
    assert early.message == "Seul un prélèvement transmis à la banque peut être marqué payé ou rejeté."
    missing = _refusal(lambda s: direct_debits.settle(s, actor=staff, debit_id=999_999, paid=True))
    assert (type(missing), missing.message) == (NotFound, "Prélèvement introuvable dans votre organisation.")
    export(towns)
    blank = _refusal(lambda s: direct_debits.settle(s, actor=staff, debit_id=debit.id, paid=False, reason=" "))
    assert (blank.message, blank.field) == ("Indiquez le motif du rejet donné par la banque.", "reason")
    too_long = _refusal(lambda s: direct_debits.settle(s, actor=staff, debit_id=debit.id, paid=False,
                                                        reason="M" * 301))
    assert too_long.field == "reason" and "300 caractères au maximum" in too_long.message
    settle(towns, debit.id, paid=False, reason="M" * 300)
    assert debits()[0].rejection_reason == "M" * 300
    with db.read() as s:
        number = s.get(Invoice, debit.invoice_id).number
        assert direct_debits.on_direct_debit(s, [debit.invoice_id]) == set()
    assert _audit("direct_debit.rejected") == [(staff.user_id, towns["orgs"][0], "direct_debit", debit.id,
                                                {"invoice": number, "reason": "M" * 300})]


def test_only_live_debits_of_the_invoices_asked_count(towns):
    mandate(towns)
    mandate(towns, "durand")
    issue(towns, "2026-09")
    issue(towns, "2026-10")
    export(towns)
    made = debits()
    settle(towns, made[0].id, paid=False, reason="Compte clos")
    with db.read() as s:
        assert direct_debits.on_direct_debit(s, [d.invoice_id for d in made]) == {d.invoice_id for d in made[1:]}
        assert direct_debits.on_direct_debit(s, [made[1].invoice_id]) == {made[1].invoice_id}
        assert direct_debits.on_direct_debit(s, [made[0].invoice_id]) == set()
        all_invoices = [i.id for i in s.exec(select(Invoice).where(col(Invoice.id) > 0))]
        assert direct_debits.on_direct_debit(s, all_invoices) == {d.invoice_id for d in made[1:]}


def test_a_file_follows_due_dates_not_creation_order(towns):
    mandate(towns)
    mandate(towns, "durand")
    for month, day in (("2026-09", 28), ("2026-10", 15)):  # the town moves its debit day in between
        with db.transaction() as s:
            org = s.get(Organization, towns["orgs"][0])
            org.direct_debit_day = day
            s.add(org)
        issue(towns, month)
    made = debits()
    assert [d.due_date for d in made] == [date(2026, 11, 28), date(2026, 11, 15), date(2026, 11, 15)]
    with db.read() as s:
        numbers = [s.get(Invoice, d.invoice_id).number for d in made]
    xml, _name = export(towns)
    positions = [xml.index(f"F{n}".encode()) for n in numbers]
    assert positions[1] < positions[2] < positions[0]
