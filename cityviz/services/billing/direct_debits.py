"""Prélèvement SEPA: mandates, the pain.008 file, and the bank's outcome."""

from __future__ import annotations

import dataclasses
from datetime import date

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from cityviz import clock
from cityviz.models import DirectDebit, Invoice, Organization, Payment, SepaMandate
from cityviz.services import audit
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing import credits, journal, ledger, reversals, sepa
from cityviz.services.billing.lookups import require_billing_object
from cityviz.services.errors import Conflict, InvalidInput
from cityviz.services.formatting import format_date, format_money
from cityviz.services.households.scope import require_known_household
from cityviz.services.inputs import bounded


def save_mandate(s: Session, *, actor: Actor, organization_id: int, household_id: int, holder_name: str, iban: str,
                 bic: str, reference: str, signed_on: date) -> int:
    """A signed mandate (the previous one of the household is revoked)."""
    require_known_household(s, actor, organization_id, household_id, capability="billing")
    holder = bounded(holder_name, 140, "Titulaire du compte", "holder_name")
    if not holder:
        raise InvalidInput("Indiquez le titulaire du compte.", field="holder_name")
    iban = sepa.normalize_iban(iban)
    bic = sepa.normalize_bic(bic) if bic.strip() else (sepa.bic_for_iban(iban) or "")
    if not bic:
        raise InvalidInput("Indiquez le BIC de la banque.", field="bic")
    reference = bounded(reference, 35, "Référence unique du mandat", "reference")
    if not reference:
        raise InvalidInput("Indiquez la référence unique du mandat (RUM).", field="reference")
    if signed_on > clock.today():
        raise InvalidInput("La date de signature ne peut pas être dans le futur.", field="signed_on")
    if s.exec(select(SepaMandate.id).where(SepaMandate.reference == reference)).first():
        raise InvalidInput("Cette référence de mandat existe déjà.", field="reference")
    s.execute(update(SepaMandate).where(col(SepaMandate.household_id) == household_id,
                                        col(SepaMandate.organization_id) == organization_id,
                                        col(SepaMandate.revoked_at).is_(None)).values(revoked_at=clock.now()))
    mandate = SepaMandate(organization_id=organization_id, household_id=household_id, holder_name=holder, iban=iban,
                          bic=bic, reference=reference, signed_on=signed_on, created_at=clock.now())
    s.add(mandate)
    s.flush()
    audit.record(s, actor=actor, action="mandate.save", organization_id=organization_id, object_type="sepa_mandate",
                 object_id=mandate.id, household_id=household_id, reference=reference)
    return mandate.id


@dataclasses.dataclass(frozen=True)
class DebitRow:
    id: int
    invoice: str
    payer: str
    amount: str
    due_date: str
    status: str
    status_label: str


NOTHING_TO_EXPORT = ("Aucun prélèvement à transmettre : les prélèvements naissent à l'émission des factures des "
                     "familles titulaires d'un mandat.")
STATUS_LABELS = {"pending": "À transmettre", "exported": "Transmis à la banque", "paid": "Payé", "rejected": "Rejeté"}


def list_debits(s: Session, *, actor: Actor, organization_id: int) -> list[DebitRow]:
    actor.require_capability(organization_id, "billing")
    rows = s.exec(select(DirectDebit, Invoice).join(Invoice, Invoice.id == DirectDebit.invoice_id)
                  .where(DirectDebit.organization_id == organization_id)
                  .order_by(col(DirectDebit.due_date).desc(), DirectDebit.id).limit(500)).all()
    return [DebitRow(d.id, i.number, i.payer_name, format_money(d.amount_cents), format_date(d.due_date), d.status,
                     STATUS_LABELS[d.status]) for d, i in rows]


def pending_summary(s: Session, *, actor: Actor, organization_id: int) -> str:
    """What « Exporter » would send, in a sentence (the page shows it before the button)."""
    actor.require_capability(organization_id, "billing")
    count, cents = s.exec(select(func.count(), func.coalesce(func.sum(DirectDebit.amount_cents), 0)).where(
        DirectDebit.organization_id == organization_id, DirectDebit.status == "pending")).one()
    if not count:
        return ""
    return f"{count} prélèvement(s) à transmettre, {format_money(cents)} au total."


def export_file(s: Session, *, actor: Actor, organization_id: int) -> tuple[bytes, str, int, int]:
    """The pain.008 file of the debits still to send, its name, how many and their total (cents);
    they become "exported". Nothing to send: a Conflict saying so."""
    actor.require_capability(organization_id, "billing")
    org = s.get(Organization, organization_id)
    if not (org.sepa_creditor_id and org.sepa_iban):
        raise Conflict("Renseignez d'abord l'identifiant créancier SEPA et l'IBAN de la régie (Régie).")
    rows = s.exec(select(DirectDebit, Invoice, SepaMandate).join(Invoice, Invoice.id == DirectDebit.invoice_id)
                  .join(SepaMandate, SepaMandate.id == DirectDebit.mandate_id)
                  .where(DirectDebit.organization_id == organization_id, DirectDebit.status == "pending")
                  .order_by(DirectDebit.due_date, DirectDebit.id).with_for_update()).all()
    if not rows:
        raise Conflict(NOTHING_TO_EXPORT)
    remaining = ledger.remaining_by_invoice(s, [i for _d, i, _m in rows])
    previous = set(s.exec(select(DirectDebit.mandate_id).where(
        DirectDebit.organization_id == organization_id, col(DirectDebit.status).in_(["exported", "paid"]))).all())
    debits, included = [], []
    for debit, invoice, mandate in rows:
        amount = min(debit.amount_cents, remaining[invoice.id])
        if amount <= 0:
            continue  # settled otherwise in the meantime
        debits.append(sepa.SepaDebit(
            end_to_end_id=f"F{invoice.number}", amount_cents=amount, debtor_name=mandate.holder_name,
            debtor_iban=mandate.iban, debtor_bic=mandate.bic, mandate_reference=mandate.reference,
            mandate_signed_on=mandate.signed_on, remittance=f"Facture {invoice.number} {org.name}",
            sequence="RCUR" if mandate.id in previous else "FRST"))
        included.append((debit, amount))
    if not debits:
        raise Conflict(NOTHING_TO_EXPORT)
    batch = f"PRLV{clock.now():%Y%m%d%H%M%S}"
    creditor = sepa.SepaCreditor(name=org.legal_name or org.name, iban=org.sepa_iban, bic=org.sepa_bic,
                                 creditor_id=org.sepa_creditor_id)
    collection = max(debit.due_date for debit, _a in included)
    content = sepa.build_pain008(creditor, debits, collection, batch)
    for debit, amount in included:
        debit.status, debit.batch_reference, debit.exported_at, debit.amount_cents = "exported", batch, clock.now(), amount
        s.add(debit)
    audit.record(s, actor=actor, action="direct_debit.export", organization_id=organization_id,
                 object_type="direct_debit", object_id=None, batch=batch, count=len(included))
    journal.record(s, actor=actor, organization_id=organization_id, kind="direct_debit_file",
                   amount_cents=sum(a for _d, a in included), method="direct_debit", reference=batch,
                   label=f"Fichier de prélèvements {batch} : {len(included)} prélèvement(s)")
    return content, f"{batch}.xml", len(included), sum(amount for _d, amount in included)


def settle(s: Session, *, actor: Actor, debit_id: int, paid: bool, reason: str = "") -> None:
    """The bank's answer: paid (a payment settles the invoice) or rejected (the invoice reopens)."""
    debit = require_billing_object(s, actor, DirectDebit, debit_id, lock=True)
    if debit.status not in ("exported", "paid"):
        raise Conflict("Seul un prélèvement transmis à la banque peut être marqué payé ou rejeté.")
    invoice = s.get(Invoice, debit.invoice_id)
    now = clock.now()
    if paid:
        if debit.status == "paid":
            return
        payment = Payment(organization_id=debit.organization_id, household_id=invoice.household_id,
                          method="direct_debit", amount_cents=debit.amount_cents, received_on=debit.due_date,
                          reference=debit.batch_reference, recorded_at=now, recorded_by_id=actor.user_id)
        s.add(payment)
        s.flush()
        credits.allocate_payment(s, payment, [invoice.id])
        debit.status, debit.settled_at, debit.payment_id = "paid", now, payment.id
        journal.record(s, actor=actor, organization_id=debit.organization_id, kind="payment",
                       amount_cents=payment.amount_cents, household_id=invoice.household_id,
                       payer=invoice.payer_name, method="direct_debit", reference=debit.batch_reference,
                       label=f"Prélèvement de la facture n°{invoice.number}")
    else:
        reason = bounded(reason, 300, "Motif du rejet", "reason")
        if not reason:
            raise InvalidInput("Indiquez le motif du rejet donné par la banque.", field="reason")
        if debit.payment_id is not None:
            ledger.lock(s, invoice.household_id)
            reversals.reverse_locked(s, actor=actor, payment=s.get(Payment, debit.payment_id),
                                     reason=f"Prélèvement rejeté : {reason}")
        debit.status, debit.settled_at, debit.rejection_reason = "rejected", now, reason
    s.add(debit)
    audit.record(s, actor=actor, action="direct_debit.paid" if paid else "direct_debit.rejected",
                 organization_id=debit.organization_id, object_type="direct_debit", object_id=debit.id,
                 invoice=invoice.number, reason=reason, household_id=invoice.household_id)


def on_direct_debit(s: Session, invoice_ids: list[int]) -> set[int]:
    """Invoices the bank will debit (a rejected debit no longer counts)."""
    if not invoice_ids:
        return set()
    return set(s.exec(select(DirectDebit.invoice_id).where(col(DirectDebit.invoice_id).in_(invoice_ids),
                                                          DirectDebit.status != "rejected")).all())
