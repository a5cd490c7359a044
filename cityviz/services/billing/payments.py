"""Payments recorded by staff (cash, cheque, CESU, transfer), refunds, a
payer's statement, unpaid invoices and reminders."""

from __future__ import annotations

import dataclasses
from datetime import date

from sqlmodel import Session, col, func, select

from cityviz import clock, config
from cityviz.models import AuditEntry, CreditNote, Household, Invoice, Payment, Person, Refund, User
from cityviz.services import audit
from cityviz.services import email as mail
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing import credits, direct_debits
from cityviz.services.billing.invoices import METHOD_LABELS
from cityviz.services.errors import Conflict, InvalidInput, NotFound
from cityviz.services.exports import csv_bytes
from cityviz.services.formatting import format_date, format_money
from cityviz.services.inputs import parse_euros

STAFF_METHODS = ("cash", "cheque", "cesu", "transfer")


def _household_in(s: Session, actor: Actor, organization_id: int, household_id: int) -> Household:
    actor.require_capability(organization_id, "billing")
    household = s.get(Household, household_id)
    known = s.exec(select(Invoice.id).where(Invoice.household_id == household_id,
                                            Invoice.organization_id == organization_id)).first()
    if household is None or known is None:
        raise NotFound("Aucune facture de cette famille dans votre organisation.")
    return household


def record_payment(s: Session, *, actor: Actor, organization_id: int, household_id: int, method: str,
                   amount: str, received_on: date, reference: str = "", invoice_ids: list[int] | None = None) -> int:
    """Record money received and allocate it to the chosen invoices (oldest first);
    any excess stays as the household's credit."""
    _household_in(s, actor, organization_id, household_id)
    if method not in STAFF_METHODS:
        raise InvalidInput("Mode de paiement inconnu.", field="method")
    cents = parse_euros(amount, "amount")
    if cents <= 0:
        raise InvalidInput("Le montant doit être positif.", field="amount")
    if received_on > clock.today():
        raise InvalidInput("La date de réception ne peut pas être dans le futur.", field="received_on")
    reference = " ".join(str(reference or "").split())[:100]
    if method == "cheque" and not reference:
        raise InvalidInput("Indiquez le numéro du chèque.", field="reference")
    payment = Payment(organization_id=organization_id, household_id=household_id, method=method, amount_cents=cents,
                      received_on=received_on, reference=reference, recorded_at=clock.now(),
                      recorded_by_id=actor.user_id)
    s.add(payment)
    s.flush()
    credits.allocate_payment(s, payment, invoice_ids)
    audit.record(s, actor=actor, action="payment.record", organization_id=organization_id, object_type="payment",
                 object_id=payment.id, method=method, amount_cents=cents, invoices=invoice_ids or [],
                 household_id=household_id)
    return payment.id


def refund(s: Session, *, actor: Actor, organization_id: int, household_id: int, amount: str, method: str,
           reason: str) -> int:
    """Give back part of a household's credit (an overpayment, a credit note)."""
    _household_in(s, actor, organization_id, household_id)
    cents = parse_euros(amount, "amount")
    available = credits.available_credit(s, household_id)
    if not 0 < cents <= available:
        raise InvalidInput(f"Le remboursement ne peut dépasser le crédit disponible ({format_money(available)}).",
                           field="amount")
    if method not in ("cash", "cheque", "transfer"):
        raise InvalidInput("Mode de remboursement inconnu.", field="method")
    row = Refund(organization_id=organization_id, household_id=household_id, amount_cents=cents, method=method,
                 refunded_on=clock.today(), reason=" ".join(str(reason or "").split())[:300],
                 recorded_at=clock.now(), recorded_by_id=actor.user_id)
    s.add(row)
    s.flush()
    audit.record(s, actor=actor, action="payment.refund", organization_id=organization_id, object_type="refund",
                 object_id=row.id, amount_cents=cents, household_id=household_id)
    return row.id


@dataclasses.dataclass(frozen=True)
class StatementLine:
    day: str
    label: str
    debit: str
    credit: str
    balance: str


@dataclasses.dataclass(frozen=True)
class Statement:
    payer: str
    lines: list[StatementLine]
    balance: str  # positive: owed by the family
    available_credit: str
    open_invoices: list[list[str]]  # [id, "n° … — reste …"]


def statement(s: Session, *, actor: Actor, organization_id: int, household_id: int) -> Statement:
    """Every document and payment of the household with the organization, with a running balance."""
    _household_in(s, actor, organization_id, household_id)
    org = (Invoice.organization_id == organization_id, Invoice.household_id == household_id)
    invoices = s.exec(select(Invoice).where(*org)).all()
    notes = s.exec(select(CreditNote).where(CreditNote.organization_id == organization_id,
                                            CreditNote.household_id == household_id)).all()
    payments = s.exec(select(Payment).where(Payment.organization_id == organization_id,
                                            Payment.household_id == household_id)).all()
    refunds = s.exec(select(Refund).where(Refund.organization_id == organization_id,
                                          Refund.household_id == household_id)).all()
    events = [(i.issued_at.astimezone(clock.PARIS).date(), 0, f"Facture n°{i.number}", i.total_cents) for i in invoices]
    events += [(n.issued_at.astimezone(clock.PARIS).date(), 1, f"Avoir n°{n.number}", -n.total_cents) for n in notes]
    for p in payments:
        label = f"{METHOD_LABELS.get(p.method, p.method)}" + (f" n° {p.reference}" if p.reference else "")
        events.append((p.received_on, 2, label, -p.amount_cents))
        if p.reversed_at:
            events.append((p.reversed_at.astimezone(clock.PARIS).date(), 3, f"Rejet : {label}", p.amount_cents))
    events += [(r.refunded_on, 4, f"Remboursement ({METHOD_LABELS.get(r.method, r.method)})", r.amount_cents)
               for r in refunds]
    balance, lines = 0, []
    for day, _order, label, amount in sorted(events, key=lambda e: (e[0], e[1])):
        balance += amount
        lines.append(StatementLine(format_date(day), label, format_money(amount) if amount > 0 else "",
                                   format_money(-amount) if amount < 0 else "", format_money(balance)))
    remaining = credits.remaining_by_invoice(s, invoices)
    payer = invoices[-1].payer_name if invoices else ""
    return Statement(payer=payer, lines=lines, balance=format_money(balance),
                     available_credit=format_money(credits.available_credit(s, household_id)),
                     open_invoices=[[str(i.id), f"n°{i.number} — reste {format_money(remaining[i.id])}"]
                                    for i in sorted(invoices, key=lambda i: i.issued_at) if remaining[i.id]])


# --- Unpaid ------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class UnpaidRow:
    invoice_id: int
    household_id: int
    number: str
    payer: str
    due_date: str
    days_late: int
    total: str
    remaining: str
    reminders: int


def unpaid(s: Session, *, actor: Actor, organization_id: int) -> tuple[list[UnpaidRow], str]:
    """Open invoices past their due date, oldest first, and the total still due."""
    actor.require_capability(organization_id, "billing")
    return unpaid_rows(s, organization_id)


def unpaid_rows(s: Session, organization_id: int) -> tuple[list[UnpaidRow], str]:
    """`unpaid` without the access check: for the organization's own jobs (automatic reminders)."""
    today = clock.today()
    late = s.exec(select(Invoice).where(Invoice.organization_id == organization_id, Invoice.due_date < today)
                  .order_by(Invoice.due_date, Invoice.id)).all()
    debited = direct_debits.on_direct_debit(s, [i.id for i in late])
    late = [i for i in late if i.id not in debited]  # the bank collects those
    remaining = credits.remaining_by_invoice(s, late)
    reminders = dict(s.exec(select(AuditEntry.object_id, func.count()).where(
        AuditEntry.action == "invoice.reminder", col(AuditEntry.object_id).in_([i.id for i in late]))
        .group_by(AuditEntry.object_id)).all()) if late else {}
    rows = [UnpaidRow(i.id, i.household_id, i.number, i.payer_name, format_date(i.due_date), (today - i.due_date).days,
                      format_money(i.total_cents), format_money(remaining[i.id]), reminders.get(i.id, 0))
            for i in late if remaining[i.id] > 0]
    return rows, format_money(sum(remaining[r.invoice_id] for r in rows))


def unpaid_csv(s: Session, *, actor: Actor, organization_id: int) -> bytes:
    rows, _total = unpaid(s, actor=actor, organization_id=organization_id)
    return csv_bytes(["Facture", "Payeur", "Échéance", "Jours de retard", "Montant", "Reste dû", "Relances"],
                     ([r.number, r.payer, r.due_date, r.days_late, r.total, r.remaining, r.reminders] for r in rows))


def send_reminders(s: Session, *, actor: Actor, organization_id: int, invoice_ids: list[int]) -> int:
    """E-mail a reminder for each chosen unpaid invoice (logged, counted on the list)."""
    rows, _total = unpaid(s, actor=actor, organization_id=organization_id)
    chosen = [r for r in rows if r.invoice_id in set(invoice_ids)]
    if not chosen:
        raise Conflict("Aucune des factures choisies n'est impayée.")
    remind(s, actor=actor, organization_id=organization_id, rows=chosen)
    return len(chosen)


def remind(s: Session, *, actor: Actor, organization_id: int, rows: list[UnpaidRow], automatic: bool = False) -> None:
    """The reminder e-mails of these unpaid invoices, each logged (and counted on the list)."""
    for row in rows:
        for address in s.exec(select(User.email).join(Person, Person.id == User.person_id)
                              .where(Person.household_id == row.household_id)).all():
            mail.queue_email(s, to=address, subject=f"Rappel : facture n° {row.number} à régler",
                             body=(f"Bonjour,\n\nSauf erreur de notre part, la facture n° {row.number} (échéance du "
                                   f"{row.due_date}) reste à régler : {row.remaining}.\nVous pouvez la payer en "
                                   f"ligne : {config.get().public_url}/factures\n\nSi vous l'avez réglée entre-temps, "
                                   "merci de ne pas tenir compte de ce message.\n"),
                             organization_id=organization_id)
        audit.record(s, actor=actor, action="invoice.reminder", organization_id=organization_id,
                     object_type="invoice", object_id=row.invoice_id, household_id=row.household_id, **({"automatic": True} if automatic else {}))
