"""Direct debits, what the other debit tests leave out: the summary shown before « Exporter »,
the journal row and audit family of the bank's answer, the rejection reason's limit, the
list's cap of 500 rows."""

from datetime import date, timedelta

import pytest
from sqlalchemy import insert
from sqlmodel import select

from cityviz import clock, db
from cityviz.models import AuditEntry, DirectDebit, Household, Invoice, Person, RegieJournalEntry
from cityviz.services.billing import direct_debits
from cityviz.services.errors import AccessDenied, InvalidInput
from tests.services.billing.debit_helpers import debits, export, issue, mandate, settle

pytestmark = pytest.mark.usefixtures("database")


def _summary(towns, town=0, staff=None) -> str:
    with db.read() as s:
        return direct_debits.pending_summary(s, actor=towns["staff"][town if staff is None else staff],
                                             organization_id=towns["orgs"][town])


def test_the_summary_counts_the_town_s_debits_still_to_send_and_nothing_else(towns):
    assert _summary(towns) == ""
    mandate(towns)
    mandate(towns, "durand")
    mandate(towns, town=1)
    issue(towns, "2026-09")  # NOIRET 5,00 €: sent below
    issue(towns, "2026-09", town=1)  # the other town's debit, still to send there
    assert _summary(towns) == "1 prélèvement(s) à transmettre, 5,00\xa0€ au total."
    export(towns)
    assert _summary(towns) == ""  # sent: no longer to send
    issue(towns, "2026-10")  # NOIRET 2,50 € and DURAND 3,60 €
    assert _summary(towns) == "2 prélèvement(s) à transmettre, 6,10\xa0€ au total."
    other = [d for d in debits() if d.organization_id == towns["orgs"][1]]
    assert [d.status for d in other] == ["pending"]
    with db.read() as s:
        cents = s.get(Invoice, other[0].invoice_id).total_cents
    assert _summary(towns, town=1) == f"1 prélèvement(s) à transmettre, {cents // 100},{cents % 100:02d}\xa0€ au total."
    with pytest.raises(AccessDenied):
        _summary(towns, town=0, staff=1)  # another town's staff


def test_a_paid_debit_writes_the_invoice_s_payer_in_the_journal_and_the_family_in_the_audit(towns):
    mandate(towns)
    issue(towns, "2026-09")
    _xml, name = export(towns)
    [debit] = debits()
    with db.transaction() as s:  # the guardian renamed since the invoice: the journal keeps the invoice's payer
        guardian = s.exec(select(Person).where(Person.household_id == towns["noiret"],
                                               Person.role == "guardian")).first()
        guardian.last_name = "MARTIN"
        s.add(guardian)
    with db.read() as s:
        invoice = s.get(Invoice, debit.invoice_id)
    assert "NOIRET" in invoice.payer_name
    settle(towns, debit.id, paid=True)
    with db.read() as s:
        [row] = s.exec(select(RegieJournalEntry).where(RegieJournalEntry.kind == "payment")).all()
        paid = s.exec(select(AuditEntry).where(AuditEntry.action == "direct_debit.paid")).one()
    assert (row.organization_id, row.household_id, row.payer, row.method, row.reference, row.amount_cents,
            row.label) == (towns["orgs"][0], towns["noiret"], invoice.payer_name, "direct_debit", name[:-4], 500,
                           f"Prélèvement de la facture n°{invoice.number}")
    assert paid.household_id == towns["noiret"]
    settle(towns, debit.id, paid=False, reason="Compte clos")
    with db.read() as s:
        rejected = s.exec(select(AuditEntry).where(AuditEntry.action == "direct_debit.rejected")).one()
    assert rejected.household_id == towns["noiret"]


def test_a_rejection_reason_too_long_is_refused_with_its_french_label(towns):
    mandate(towns)
    issue(towns, "2026-09")
    export(towns)
    [debit] = debits()
    with pytest.raises(InvalidInput) as refused:
        settle(towns, debit.id, paid=False, reason="M" * 301)
    assert (refused.value.message, refused.value.field) == (
        "Motif du rejet : 300 caractères au maximum (301 saisis).", "reason")
    assert debits()[0].status == "exported"


def test_the_list_shows_the_500_latest_debits(towns):
    mandate(towns)
    issue(towns, "2026-09")
    [debit] = debits()
    with db.transaction() as s:  # 500 more, bulk inserted: one household and one invoice each
        invoice = s.get(Invoice, debit.invoice_id)
        households = [s.execute(insert(Household.__table__).values(created_at=clock.now())
                                .returning(Household.__table__.c.id)).scalar_one() for _n in range(500)]
        fields = invoice.model_dump(exclude={"id"})
        invoice_ids = [s.execute(insert(Invoice.__table__).values(
            {**fields, "household_id": h, "number": f"X{n:05d}", "counter_value": 10_000 + n})
            .returning(Invoice.__table__.c.id)).scalar_one() for n, h in enumerate(households)]
        s.execute(insert(DirectDebit.__table__), [
            dict(organization_id=debit.organization_id, invoice_id=i, mandate_id=debit.mandate_id, amount_cents=100,
                 due_date=debit.due_date + timedelta(days=1 + n), status="pending")
            for n, i in enumerate(invoice_ids)])
    with db.read() as s:
        rows = direct_debits.list_debits(s, actor=towns["staff"][0], organization_id=towns["orgs"][0])
    assert len(rows) == 500 and debit.id not in {r.id for r in rows}  # the earliest due is left out
    last = debit.due_date + timedelta(days=500)
    assert (rows[0].invoice, rows[0].due_date) == ("X00499", f"{last:%d/%m/%Y}")
    assert date(2026, 1, 1) < debit.due_date


def test_a_file_writes_one_journal_row_with_its_total(towns):
    mandate(towns)
    mandate(towns, "durand")
    issue(towns, "2026-10")  # NOIRET 2,50 € and DURAND 3,60 €
    _xml, name = export(towns)
    batch = name[:-4]
    with db.read() as s:
        [row] = s.exec(select(RegieJournalEntry).where(RegieJournalEntry.kind == "direct_debit_file")).all()
    assert (row.organization_id, row.household_id, row.payer, row.method, row.reference, row.amount_cents,
            row.label) == (towns["orgs"][0], None, "", "direct_debit", batch, 610,
                           f"Fichier de prélèvements {batch} : 2 prélèvement(s)")


@pytest.mark.parametrize(("changes", "message", "field"), [
    ({"holder_name": "X" * 141}, "Titulaire du compte : 140 caractères au maximum (141 saisis).", "holder_name"),
    ({"reference": "R" * 36}, "Référence unique du mandat : 35 caractères au maximum (36 saisis).", "reference"),
])
def test_a_mandate_too_long_is_refused_naming_its_field(towns, changes, message, field):
    with pytest.raises(InvalidInput) as refused:
        mandate(towns, **changes)
    assert (refused.value.message, refused.value.field) == (message, field)
    assert debits() == []


def test_a_mandate_signed_today_is_saved_and_its_audit_names_the_family(towns):
    saved = mandate(towns, "durand", signed_on=clock.today())
    with db.read() as s:
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "mandate.save")).one()
    assert (entry.object_id, entry.household_id) == (saved, towns["durand"])
