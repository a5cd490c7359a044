"""What remains due, credit notes (avoirs) and how credit is applied.

"À payer" = total − payments allocated (not reversed) − credits allocated,
never negative. A household's credit (credit notes not used up, payments
larger than what they settled) is applied to its open invoices, oldest
first, and what remains waits for the next invoices.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import func, insert
from sqlmodel import Session, col, select

from cityviz import clock
from cityviz.models import (
    CreditAllocation,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
    Refund,
)
from cityviz.services import audit
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing.numbering import next_number
from cityviz.services.errors import Conflict, InvalidInput, NotFound
from cityviz.services.formatting import format_date


def _sums(s: Session, column, key, ids: list[int], *where) -> dict[int, int]:
    if not ids:
        return {}
    return dict(s.exec(select(key, func.coalesce(func.sum(column), 0)).where(col(key).in_(ids), *where)
                       .group_by(key)).all())


def paid_by_invoice(s: Session, invoice_ids: list[int]) -> dict[int, int]:
    return _sums(s, PaymentAllocation.amount_cents, PaymentAllocation.invoice_id, invoice_ids,
                 PaymentAllocation.payment_id.in_(select(Payment.id).where(col(Payment.reversed_at).is_(None))))


def credited_by_invoice(s: Session, invoice_ids: list[int]) -> dict[int, int]:
    return _sums(s, CreditAllocation.amount_cents, CreditAllocation.invoice_id, invoice_ids)


def remaining_table(organization_id: int):
    """"À payer" of each of an organization's invoices, as a subquery (invoice_id, due_date,
    left_cents): for filtering and totalling lists in the database, by grouped joins (a correlated
    subquery per invoice is slow on PostgreSQL). Same rule as `remaining_by_invoice`, except that
    left_cents may go below 0 here: test `> 0`."""
    paid = (select(PaymentAllocation.invoice_id, func.sum(PaymentAllocation.amount_cents).label("cents"))
            .join(Payment, Payment.id == PaymentAllocation.payment_id)
            .where(Payment.organization_id == organization_id, col(Payment.reversed_at).is_(None))
            .group_by(PaymentAllocation.invoice_id).subquery())
    credited = (select(CreditAllocation.invoice_id, func.sum(CreditAllocation.amount_cents).label("cents"))
                .join(CreditNote, CreditNote.id == CreditAllocation.credit_note_id)
                .where(CreditNote.organization_id == organization_id)
                .group_by(CreditAllocation.invoice_id).subquery())
    left = Invoice.total_cents - func.coalesce(paid.c.cents, 0) - func.coalesce(credited.c.cents, 0)
    return (select(Invoice.id.label("invoice_id"), Invoice.due_date, left.label("left_cents"))
            .outerjoin(paid, paid.c.invoice_id == Invoice.id).outerjoin(credited, credited.c.invoice_id == Invoice.id)
            .where(Invoice.organization_id == organization_id).subquery())


def remaining_by_invoice(s: Session, invoices: Iterable[Invoice]) -> dict[int, int]:
    invoices = list(invoices)
    ids = [i.id for i in invoices]
    paid, credited = paid_by_invoice(s, ids), credited_by_invoice(s, ids)
    return {i.id: max(0, i.total_cents - paid.get(i.id, 0) - credited.get(i.id, 0)) for i in invoices}


@dataclasses.dataclass
class _Source:
    kind: str  # credit_note or payment
    id: int
    left: int
    organization_id: int


def _sources(s: Session, household_ids: list[int]) -> dict[int, list[_Source]]:
    """Unused credit per household, oldest first (refunds are taken from payments last)."""
    notes = s.exec(select(CreditNote).where(col(CreditNote.household_id).in_(household_ids))
                   .order_by(CreditNote.issued_at, CreditNote.id)).all()
    used_notes = _sums(s, CreditAllocation.amount_cents, CreditAllocation.credit_note_id, [n.id for n in notes])
    payments = s.exec(select(Payment).where(col(Payment.household_id).in_(household_ids),
                                            col(Payment.reversed_at).is_(None))
                      .order_by(Payment.recorded_at, Payment.id)).all()
    used_payments = _sums(s, PaymentAllocation.amount_cents, PaymentAllocation.payment_id, [p.id for p in payments])
    refunded = _sums(s, Refund.amount_cents, Refund.household_id, household_ids)
    out: dict[int, list[_Source]] = defaultdict(list)
    for n in notes:
        if (left := n.total_cents - used_notes.get(n.id, 0)) > 0:
            out[n.household_id].append(_Source("credit_note", n.id, left, n.organization_id))
    for p in payments:
        if (left := p.amount_cents - used_payments.get(p.id, 0)) > 0:
            out[p.household_id].append(_Source("payment", p.id, left, p.organization_id))
    for household_id, amount in refunded.items():  # a refund consumes overpayments, newest last
        for source in [x for x in reversed(out.get(household_id, [])) if x.kind == "payment"]:
            taken = min(amount, source.left)
            source.left -= taken
            amount -= taken
    return {h: [x for x in sources if x.left > 0] for h, sources in out.items()}


def available_credit(s: Session, household_id: int) -> int:
    return sum(x.left for x in _sources(s, [household_id]).get(household_id, []))


def apply_available_credit(s: Session, *, household_ids: list[int]) -> int:
    """Use each household's credit on its open invoices, oldest first. Returns cents applied."""
    sources = _sources(s, household_ids)
    if not sources:
        return 0
    invoices = s.exec(select(Invoice).where(col(Invoice.household_id).in_(list(sources)))
                      .order_by(Invoice.issued_at, Invoice.id)).all()
    remaining = remaining_by_invoice(s, invoices)  # one pass for every household with credit
    applied, now, credit_rows, payment_rows = 0, clock.now(), [], []
    for invoice in invoices:
        due = remaining[invoice.id]
        for source in sources[invoice.household_id]:
            if due == 0:
                break
            if source.left == 0 or source.organization_id != invoice.organization_id:
                continue
            amount = min(due, source.left)
            if source.kind == "credit_note":
                credit_rows.append(dict(credit_note_id=source.id, invoice_id=invoice.id, amount_cents=amount,
                                        allocated_at=now))
            else:
                payment_rows.append(dict(payment_id=source.id, invoice_id=invoice.id, amount_cents=amount))
            source.left -= amount
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
    remaining = remaining_by_invoice(s, invoices)
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
    credited = _sums(s, CreditNoteLine.total_cents, CreditNoteLine.invoice_line_id, [x.id for x in lines])
    return {x.id: x.total_cents - credited.get(x.id, 0) for x in lines}


def issue_credit_note(s: Session, *, actor: Actor, invoice_id: int, reason: str,
                      line_ids: list[int] | None = None) -> CreditNote:
    """Cancel an issued invoice wholly (no line_ids) or some of its lines."""
    invoice = s.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound("Facture introuvable.")
    actor.require_capability(invoice.organization_id, "billing")
    reason = " ".join(str(reason or "").split())[:500]
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
    apply_available_credit(s, household_ids=[invoice.household_id])
    audit.record(s, actor=actor, action="credit_note.issue", organization_id=invoice.organization_id,
                 object_type="credit_note", object_id=note.id, number=note.number, invoice=invoice.number,
                 amount_cents=note.total_cents, reason=reason, household_id=invoice.household_id)
    return note


def refers_to(s: Session, note: CreditNote) -> str:
    invoice = s.get(Invoice, note.invoice_id)
    return f"Facture n° {invoice.number} du {format_date(invoice.issued_at.astimezone(clock.PARIS).date())}"
