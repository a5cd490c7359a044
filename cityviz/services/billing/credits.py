"""Credit notes (avoirs) and how credit settles invoices.

The figures (« reste à payer », « crédit disponible ») come from the ledger
(ledger.py). Here: writing allocations — a household's credit (credit notes not
used up, payments larger than what they settled) applied to its open invoices
of the same organization, oldest first; what remains waits for the next invoices.
"""

from __future__ import annotations

from sqlalchemy import insert
from sqlmodel import Session, col, select

from cityviz import clock, config
from cityviz.models import (
    CreditAllocation,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    Organization,
    Payment,
    PaymentAllocation,
    Person,
    User,
)
from cityviz.services import audit
from cityviz.services import email as mail
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing import journal, ledger
from cityviz.services.billing.lookups import require_billing_object
from cityviz.services.billing.numbering import next_number
from cityviz.services.errors import Conflict, InvalidInput, NotFound
from cityviz.services.formatting import format_money
from cityviz.services.inputs import bounded


def apply_available_credit(s: Session, *, household_ids: list[int], organization_id: int | None = None) -> int:
    """Use each household's credit on its open invoices of the same organization, oldest
    first (credit notes before payments). Returns the cents applied."""
    ledger.lock(s, *household_ids)
    available = ledger.sources(s, household_ids, organization_id)
    if not available:
        return 0
    query = select(Invoice).where(col(Invoice.household_id).in_(list(available)))
    if organization_id is not None:
        query = query.where(Invoice.organization_id == organization_id)
    invoices = s.exec(query.order_by(Invoice.issued_at, Invoice.id)).all()
    remaining = ledger.remaining_by_invoice(s, invoices)  # one pass for every household with credit
    applied, now, credit_rows, payment_rows = 0, clock.now(), [], []
    for invoice in invoices:
        due = remaining[invoice.id]
        for source in available[invoice.household_id]:
            if due == 0:
                break
            if source.left <= 0 or source.organization_id != invoice.organization_id:
                continue
            amount = min(due, source.left)
            if source.kind == "credit_note":
                credit_rows.append(dict(credit_note_id=source.id, invoice_id=invoice.id, amount_cents=amount,
                                        allocated_at=now))
            else:
                payment_rows.append(dict(payment_id=source.id, invoice_id=invoice.id, amount_cents=amount))
            source.applied += amount
            due -= amount
            applied += amount
    if credit_rows:
        s.execute(insert(CreditAllocation.__table__), credit_rows)
    if payment_rows:
        s.execute(insert(PaymentAllocation.__table__), payment_rows)
    return applied


def allocate_payment(s: Session, payment: Payment, invoice_ids: list[int] | None) -> int:
    """Spread a payment over invoices of its household (given ones, or all open, oldest first)."""
    query = select(Invoice).where(Invoice.household_id == payment.household_id,
                                  Invoice.organization_id == payment.organization_id)
    if invoice_ids:
        query = query.where(col(Invoice.id).in_(invoice_ids))
    invoices = s.exec(query.order_by(Invoice.issued_at, Invoice.id)).all()
    if invoice_ids and len(invoices) != len(set(invoice_ids)):
        raise NotFound("Facture introuvable pour cette famille.")
    remaining = ledger.remaining_by_invoice(s, invoices)
    left, rows = payment.amount_cents, []
    for invoice in invoices:
        amount = min(left, remaining[invoice.id])
        if amount > 0:
            rows.append(dict(payment_id=payment.id, invoice_id=invoice.id, amount_cents=amount))
            left -= amount
    if rows:
        s.execute(insert(PaymentAllocation), rows)
    return payment.amount_cents - left


# --- Credit notes ------------------------------------------------------------------------------

def credit_note_number(issued_on, value: int) -> str:
    return f"A{issued_on:%Y%m}{value:05d}"


def creditable_by_line(s: Session, invoice_id: int) -> dict[int, int]:
    """What each line of the invoice can still be credited (not already credited)."""
    lines = s.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id)).all()
    credited = ledger.sums(s, CreditNoteLine.total_cents, CreditNoteLine.invoice_line_id, [x.id for x in lines])
    return {x.id: x.total_cents - credited.get(x.id, 0) for x in lines}


def issue_credit_note(s: Session, *, actor: Actor, invoice_id: int, reason: str,
                      line_ids: list[int] | None = None) -> CreditNote:
    """Cancel an issued invoice wholly (no line_ids) or some of its lines."""
    invoice = require_billing_object(s, actor, Invoice, invoice_id)
    reason = bounded(reason, 500, "Motif de l'avoir", "reason")
    if not reason:
        raise InvalidInput("Indiquez le motif de l'avoir : il figure sur le document.", field="reason")
    issued_on = clock.today()
    first = next_number(s, invoice.organization_id, issued_on.year, "credit_note", 0)  # serialise on the counter
    creditable = creditable_by_line(s, invoice.id)
    chosen = set(line_ids) if line_ids else set(creditable)
    if not chosen <= set(creditable):
        raise NotFound("Ligne introuvable sur cette facture.")
    lines = s.exec(select(InvoiceLine).where(col(InvoiceLine.id).in_(chosen)).order_by(InvoiceLine.position)).all()
    amounts = [(x, creditable[x.id]) for x in lines if creditable[x.id] > 0]
    if not amounts:
        raise Conflict("Ces lignes ont déjà été entièrement annulées par un avoir.")
    first = next_number(s, invoice.organization_id, issued_on.year, "credit_note", 1)
    note = CreditNote(organization_id=invoice.organization_id, household_id=invoice.household_id,
                      invoice_id=invoice.id, number=credit_note_number(issued_on, first), counter_year=issued_on.year,
                      counter_value=first, reason=reason, issued_at=clock.now(), issued_by_id=actor.user_id,
                      payer_name=invoice.payer_name, payer_address=invoice.payer_address,
                      total_cents=sum(a for _x, a in amounts))
    s.add(note)
    s.flush()
    s.execute(insert(CreditNoteLine), [dict(credit_note_id=note.id, invoice_line_id=x.id,
                                            label=f"{x.child_name} – {x.label}", total_cents=amount)
                                       for x, amount in amounts])
    apply_available_credit(s, household_ids=[invoice.household_id], organization_id=invoice.organization_id)
    audit.record(s, actor=actor, action="credit_note.issue", organization_id=invoice.organization_id,
                 object_type="credit_note", object_id=note.id, number=note.number, invoice=invoice.number,
                 amount_cents=note.total_cents, reason=reason)
    journal.record(s, actor=actor, organization_id=invoice.organization_id, kind="credit_note",
                   amount_cents=note.total_cents, household_id=invoice.household_id, payer=note.payer_name,
                   reference=note.number, label=f"Avoir n°{note.number} sur la facture n°{invoice.number} : {reason}")
    _announce(s, note, invoice)
    return note


def _announce(s: Session, note: CreditNote, invoice: Invoice) -> None:
    """The family hears of it by e-mail, like of an invoice (with the PDF if the régie says so)."""
    from cityviz.services.billing import invoices  # (invoices imports this module)

    addresses = s.exec(select(User.email).join(Person, Person.id == User.person_id)
                       .where(Person.household_id == note.household_id, User.is_active == True)).all()  # noqa: E712
    if not addresses:
        return
    org = s.get(Organization, note.organization_id)
    attachment = invoices.stored_pdf(s, note) if org.email_invoice_pdf else None
    body = (f"Bonjour,\n\n{org.name} a émis l'avoir n° {note.number} d'un montant de "
            f"{format_money(note.total_cents)} sur votre facture n° {invoice.number}.\nMotif : {note.reason}\n"
            "Son montant est déduit de vos factures restant à payer, ou des prochaines.\n\n"
            f"Consultez-le et téléchargez-le (PDF) : {config.get().public_url}/factures\n")
    for address in addresses:
        mail.queue_email(s, to=address, subject=f"Votre avoir n° {note.number} – {org.name}", body=body,
                         organization_id=org.id, action_label="Voir mon avoir", attachment=attachment)

