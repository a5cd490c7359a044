"""The ledger: every figure of money owed or held, derived from append-only rows.

Invoices, credit notes, payments (a reversed payment — bounced cheque, rejected
debit — counts for nothing), what each payment or credit note settled
(allocations) and what was given back (refunds, each from one named source).
No other module computes « reste à payer » or « crédit disponible »:

- due, per invoice = total − allocations of payments not reversed − credit applied;
- available, per source = its amount − what it settled − what was refunded from it
  (a credit note, or a payment larger than what it settled);
- both per household *and* organization: nothing crosses either.

Writers that move money call `lock` first, so that two staff (or a staff member and
the bank's notification) deciding on the same household's money are serialised.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from cityviz.models import CreditAllocation, CreditNote, Household, Invoice, Payment, PaymentAllocation, Refund


def lock(s: Session, *household_ids: int) -> None:
    """Serialise money movements of these households until the transaction ends.

    PostgreSQL: a row lock on the household. SQLite: write transactions already begin
    with BEGIN IMMEDIATE (cityviz.db), one writer at a time; FOR UPDATE is a no-op there.
    """
    if household_ids:
        s.exec(select(Household.id).where(col(Household.id).in_(sorted(set(household_ids))))
               .order_by(Household.id).with_for_update()).all()


def sums(s: Session, column, key, ids: list[int], *where) -> dict[int, int]:
    if not ids:
        return {}
    return dict(s.exec(select(key, func.coalesce(func.sum(column), 0)).where(col(key).in_(ids), *where)
                       .group_by(key)).all())


def _live_payments():
    return sa_select(Payment.id).where(col(Payment.reversed_at).is_(None))


def paid_by_invoice(s: Session, invoice_ids: list[int]) -> dict[int, int]:
    return sums(s, PaymentAllocation.amount_cents, PaymentAllocation.invoice_id, invoice_ids,
                 col(PaymentAllocation.payment_id).in_(_live_payments()))


def credited_by_invoice(s: Session, invoice_ids: list[int]) -> dict[int, int]:
    return sums(s, CreditAllocation.amount_cents, CreditAllocation.invoice_id, invoice_ids)


def remaining_by_invoice(s: Session, invoices: Iterable[Invoice]) -> dict[int, int]:
    """What is still due on each invoice (never negative)."""
    invoices = list(invoices)
    ids = [i.id for i in invoices]
    paid, credited = paid_by_invoice(s, ids), credited_by_invoice(s, ids)
    return {i.id: max(0, i.total_cents - paid.get(i.id, 0) - credited.get(i.id, 0)) for i in invoices}


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


@dataclasses.dataclass
class Source:
    """Credit that can settle an invoice or be refunded: a credit note or a payment's excess."""

    kind: str  # "credit_note" or "payment"
    id: int
    organization_id: int
    amount: int  # the credit note's total, or the payment's amount
    applied: int  # settled invoices with it
    refunded: int
    label: str = ""

    @property
    def left(self) -> int:
        return self.amount - self.applied - self.refunded

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


def sources(s: Session, household_ids: list[int], organization_id: int | None = None,
            with_empty: bool = False) -> dict[int, list[Source]]:
    """Each household's sources of credit, oldest first: credit notes, then payments
    (so that credit notes are used before money the family paid)."""
    if not household_ids:
        return {}
    note_q = select(CreditNote).where(col(CreditNote.household_id).in_(household_ids))
    pay_q = select(Payment).where(col(Payment.household_id).in_(household_ids), col(Payment.reversed_at).is_(None))
    if organization_id is not None:
        note_q = note_q.where(CreditNote.organization_id == organization_id)
        pay_q = pay_q.where(Payment.organization_id == organization_id)
    notes = s.exec(note_q.order_by(CreditNote.issued_at, CreditNote.id)).all()
    pays = s.exec(pay_q.order_by(Payment.recorded_at, Payment.id)).all()
    note_ids, pay_ids = [n.id for n in notes], [p.id for p in pays]
    note_used = sums(s, CreditAllocation.amount_cents, CreditAllocation.credit_note_id, note_ids)
    note_refunded = sums(s, Refund.amount_cents, Refund.credit_note_id, note_ids)
    pay_used = sums(s, PaymentAllocation.amount_cents, PaymentAllocation.payment_id, pay_ids)
    pay_refunded = sums(s, Refund.amount_cents, Refund.payment_id, pay_ids)
    out: dict[int, list[Source]] = defaultdict(list)
    for n in notes:
        out[n.household_id].append(Source("credit_note", n.id, n.organization_id, n.total_cents,
                                          note_used.get(n.id, 0), note_refunded.get(n.id, 0), f"Avoir n°{n.number}"))
    for p in pays:
        out[p.household_id].append(Source("payment", p.id, p.organization_id, p.amount_cents,
                                          pay_used.get(p.id, 0), pay_refunded.get(p.id, 0), ""))
    return {h: [x for x in xs if with_empty or x.left > 0] for h, xs in out.items()}


def available_credit(s: Session, household_id: int, organization_id: int | None = None) -> int:
    """Credit notes and overpayments not yet applied nor refunded (one organization, or all)."""
    return sum(x.left for x in sources(s, [household_id], organization_id).get(household_id, []))


@dataclasses.dataclass(frozen=True)
class Balance:
    """The household's account with one organization, every figure in cents."""

    invoiced: int
    credited: int
    paid: int  # payments not reversed
    refunded: int
    due: int
    available: int

    @property
    def holds(self) -> bool:
        """invoiced − credited = paid − refunded + due − available."""
        return self.invoiced - self.credited == self.paid - self.refunded + self.due - self.available


def balance(s: Session, household_id: int, organization_id: int) -> Balance:
    def total(column, *where) -> int:
        return s.exec(sa_select(func.coalesce(func.sum(column), 0)).where(*where)).one()[0]

    invoices = s.exec(select(Invoice).where(Invoice.household_id == household_id,
                                            Invoice.organization_id == organization_id)).all()
    return Balance(
        invoiced=sum(i.total_cents for i in invoices),
        credited=total(CreditNote.total_cents, CreditNote.household_id == household_id,
                       CreditNote.organization_id == organization_id),
        paid=total(Payment.amount_cents, Payment.household_id == household_id,
                   Payment.organization_id == organization_id, col(Payment.reversed_at).is_(None)),
        refunded=total(Refund.amount_cents, Refund.household_id == household_id,
                       Refund.organization_id == organization_id),
        due=sum(remaining_by_invoice(s, invoices).values()),
        available=available_credit(s, household_id, organization_id),
    )
