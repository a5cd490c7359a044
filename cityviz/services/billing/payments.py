"""Payments recorded by staff (cash, cheque, CESU, transfer), refunds, a
payer's statement, unpaid invoices and reminders."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from sqlmodel import Session, col, func, select

from cityviz import clock, config
from cityviz.models import AuditEntry, CreditNote, Invoice, Payment, Person, Refund, User
from cityviz.services import audit
from cityviz.services import email as mail
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing import credits, direct_debits, journal, ledger, reversals
from cityviz.services.billing.journal import METHOD_LABELS
from cityviz.services.billing.lookups import require_billing_object
from cityviz.services.errors import Conflict, InvalidInput, NotFound
from cityviz.services.exports import csv_bytes
from cityviz.services.formatting import format_date, format_money
from cityviz.services.households.scope import require_known_household
from cityviz.services.inputs import bounded, digits, parse_euros

STAFF_METHODS = ("cash", "cheque", "cesu", "transfer")
REFUND_METHODS = ("cash", "cheque", "transfer")
MAX_PAYMENT_CENTS = 10_000_000  # 100 000 € : beyond, a typing error


def _received_on(value: date) -> date:
    today = clock.today()
    if not isinstance(value, date):
        raise InvalidInput("Indiquez la date de réception.", field="received_on")
    if value > today:
        raise InvalidInput("La date de réception ne peut pas être dans le futur.", field="received_on")
    if value < today - timedelta(days=366):
        raise InvalidInput("La date de réception doit dater de moins d'un an.", field="received_on")
    return value


def record_payment(s: Session, *, actor: Actor, organization_id: int, household_id: int, method: str,
                   amount: str, received_on: date, reference: str = "", invoice_ids: list[int] | None = None) -> int:
    """Record money received and allocate it to the chosen invoices (oldest first);
    any excess stays as the household's credit with this organization."""
    require_known_household(s, actor, organization_id, household_id, capability="billing")
    if method not in STAFF_METHODS:
        raise InvalidInput("Mode de paiement inconnu.", field="method")
    cents = parse_euros(amount, "amount")
    if cents <= 0:
        raise InvalidInput("Le montant doit être positif.", field="amount")
    if cents > MAX_PAYMENT_CENTS:
        raise InvalidInput(f"Montant trop élevé (au plus {format_money(MAX_PAYMENT_CENTS)}).", field="amount")
    received_on = _received_on(received_on)
    reference = bounded(reference, 100, "Numéro de chèque ou référence", "reference")
    if method == "cheque" and not reference:
        raise InvalidInput("Indiquez le numéro du chèque.", field="reference")
    ledger.lock(s, household_id)
    payment = Payment(organization_id=organization_id, household_id=household_id, method=method, amount_cents=cents,
                      received_on=received_on, reference=reference, recorded_at=clock.now(),
                      recorded_by_id=actor.user_id)
    s.add(payment)
    s.flush()
    credits.allocate_payment(s, payment, invoice_ids)
    audit.record(s, actor=actor, action="payment.record", organization_id=organization_id, object_type="payment",
                 object_id=payment.id, method=method, amount_cents=cents, invoices=invoice_ids or [],
                 household_id=household_id)
    journal.record(s, actor=actor, organization_id=organization_id, kind="payment", amount_cents=cents,
                   household_id=household_id, method=method, reference=reference,
                   label=f"{METHOD_LABELS[method]} reçu le {format_date(received_on)}")
    return payment.id


def reverse_payment(s: Session, *, actor: Actor, organization_id: int, payment_id: int, reason: str) -> None:
    """A payment that did not happen after all (bounced cheque, counterfeit, error): it no
    longer settles anything, and the invoices it paid are due again."""
    payment = require_billing_object(s, actor, Payment, payment_id, organization_id=organization_id)
    reason = bounded(reason, 300, "Motif du rejet", "reason")
    if not reason:
        raise InvalidInput("Indiquez le motif du rejet (chèque sans provision…).", field="reason")
    ledger.lock(s, payment.household_id)
    s.refresh(payment)
    reversals.reverse_locked(s, actor=actor, payment=payment, reason=reason)


@dataclasses.dataclass(frozen=True)
class CreditSource:
    key: str  # "credit_note:12" or "payment:7": what a refund names
    label: str
    available: str
    available_cents: int


def credit_sources(s: Session, *, actor: Actor, organization_id: int, household_id: int) -> list[CreditSource]:
    """What can be refunded, source by source (credit notes, then overpayments)."""
    require_known_household(s, actor, organization_id, household_id, capability="billing")
    return [CreditSource(x.key, _source_label(s, x), format_money(x.left), x.left)
            for x in ledger.sources(s, [household_id], organization_id).get(household_id, [])]


def _source_label(s: Session, source: ledger.Source) -> str:
    if source.kind == "credit_note":
        return source.label
    return f"Trop-perçu : {_payment_label(s.get(Payment, source.id))}"


def _payment_label(payment: Payment) -> str:
    number = f" n° {payment.reference}" if payment.reference else ""
    return f"{METHOD_LABELS.get(payment.method, payment.method)}{number} du {format_date(payment.received_on)}"


def refund(s: Session, *, actor: Actor, organization_id: int, household_id: int, source: str, amount: str,
           method: str, reason: str) -> int:
    """Give back credit from one named source (a credit note, or a payment's excess),
    never more than that source still holds — checked under the household's lock."""
    require_known_household(s, actor, organization_id, household_id, capability="billing")
    kind, _sep, raw_id = str(source or "").partition(":")
    if kind not in ("credit_note", "payment") or not digits(raw_id):
        raise InvalidInput("Choisissez l'avoir ou le paiement à rembourser.", field="source")
    cents = parse_euros(amount, "amount")
    if cents <= 0:
        raise InvalidInput("Le montant doit être positif.", field="amount")
    if method not in REFUND_METHODS:
        raise InvalidInput("Mode de remboursement inconnu.", field="method")
    reason = bounded(reason, 300, "Motif du remboursement", "reason")
    ledger.lock(s, household_id)  # from here on, no one else moves this household's money
    chosen = next((x for x in ledger.sources(s, [household_id], organization_id, with_empty=True)
                   .get(household_id, []) if x.key == f"{kind}:{int(raw_id)}"), None)
    if chosen is None:
        raise NotFound("Avoir ou paiement introuvable pour cette famille.")
    if cents > chosen.left:
        raise InvalidInput(f"Le remboursement ne peut dépasser ce qui reste sur cette source "
                           f"({format_money(max(chosen.left, 0))}).", field="amount")
    row = Refund(organization_id=organization_id, household_id=household_id, amount_cents=cents, method=method,
                 credit_note_id=chosen.id if kind == "credit_note" else None,
                 payment_id=chosen.id if kind == "payment" else None,
                 refunded_on=clock.today(), reason=reason, recorded_at=clock.now(), recorded_by_id=actor.user_id)
    s.add(row)
    s.flush()
    label = _source_label(s, chosen)
    audit.record(s, actor=actor, action="payment.refund", organization_id=organization_id, object_type="refund",
                 object_id=row.id, amount_cents=cents, source=chosen.key, household_id=household_id)
    journal.record(s, actor=actor, organization_id=organization_id, kind="refund", amount_cents=cents,
                   household_id=household_id, method=method, reference=label[:100],
                   label=f"Remboursement ({METHOD_LABELS[method]}) sur {label}" + (f" — {reason}" if reason else ""))
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
    sources: list[list[str]]  # what can be refunded: ["credit_note:3", "Avoir n°… — 57,60 € disponibles"]
    reversible: list[list[str]]  # payments staff may reverse: [id, "Chèque n° 123 du 05/10/2026 — 10,00 €"]


def statement(s: Session, *, actor: Actor, organization_id: int, household_id: int) -> Statement:
    """Every document and payment of the household with the organization, with a running balance."""
    require_known_household(s, actor, organization_id, household_id, capability="billing")
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
    remaining = ledger.remaining_by_invoice(s, invoices)
    payer = invoices[-1].payer_name if invoices else ""
    held = ledger.sources(s, [household_id], organization_id).get(household_id, [])
    reversible = [[str(p.id), f"{_payment_label(p)} — {format_money(p.amount_cents)}"]
                  for p in sorted(payments, key=lambda p: (p.received_on, p.id))
                  if p.reversed_at is None and p.method in STAFF_METHODS]
    return Statement(payer=payer, lines=lines, balance=format_money(balance),
                     available_credit=format_money(sum(x.left for x in held)),
                     sources=[[x.key, f"{_source_label(s, x)} — {format_money(x.left)} disponibles"] for x in held],
                     reversible=reversible,
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
    remaining = ledger.remaining_by_invoice(s, late)
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
        # Active accounts only: a closed account's address is no longer the family's to write to.
        for address in s.exec(select(User.email).join(Person, Person.id == User.person_id)
                              .where(Person.household_id == row.household_id, User.is_active == True)  # noqa: E712
                              .order_by(User.id)).all():
            mail.queue_email(s, to=address, subject=f"Rappel : facture n° {row.number} à régler",
                             body=(f"Bonjour,\n\nSauf erreur de notre part, la facture n° {row.number} (échéance du "
                                   f"{row.due_date}) reste à régler : {row.remaining}.\nVous pouvez la payer en "
                                   f"ligne : {config.get().public_url}/factures\n\nSi vous l'avez réglée entre-temps, "
                                   "merci de ne pas tenir compte de ce message.\n"),
                             organization_id=organization_id, action_label="Payer ma facture")
        audit.record(s, actor=actor, action="invoice.reminder", organization_id=organization_id,
                     object_type="invoice", object_id=row.invoice_id, household_id=row.household_id, **({"automatic": True} if automatic else {}))
