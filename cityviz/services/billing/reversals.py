"""Reversing a payment: a bounced cheque, a rejected direct debit, a payment entered by mistake.

The payment row stays (the régie's records keep it) and is marked reversed; from then
on the ledger counts it for nothing, so the invoices it settled are due again.
"""

from __future__ import annotations

from sqlmodel import Session

from cityviz import clock
from cityviz.models import Payment, Refund
from cityviz.services import audit
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing import journal, ledger
from cityviz.services.billing.journal import METHOD_LABELS
from cityviz.services.errors import Conflict
from cityviz.services.formatting import format_date, format_money


def reverse_locked(s: Session, *, actor: Actor, payment: Payment, reason: str) -> None:
    """Reverse a payment (the caller checked access and holds the household's lock)."""
    if payment.reversed_at is not None:
        raise Conflict("Ce paiement est déjà rejeté.")
    refunded = ledger.sums(s, Refund.amount_cents, Refund.payment_id, [payment.id]).get(payment.id, 0)
    if refunded:
        raise Conflict(f"Ce paiement a déjà servi à un remboursement ({format_money(refunded)}) : "
                       "il ne peut plus être rejeté.")
    payment.reversed_at, payment.reversal_reason = clock.now(), reason
    s.add(payment)
    s.flush()
    audit.record(s, actor=actor, action="payment.reverse", organization_id=payment.organization_id,
                 object_type="payment", object_id=payment.id, reason=reason)
    journal.record(s, actor=actor, organization_id=payment.organization_id, kind="reversal",
                   amount_cents=payment.amount_cents, household_id=payment.household_id, method=payment.method,
                   reference=payment.reference,
                   label=f"Rejet : {METHOD_LABELS.get(payment.method, payment.method)} du "
                         f"{format_date(payment.received_on)} — {reason}")
