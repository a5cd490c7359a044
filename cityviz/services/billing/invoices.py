"""Invoices and credit notes as families and staff read them, and their PDFs.

The screen and the PDF are built from the same `InvoiceDetail`, so every
figure on the PDF equals the one on screen.
"""

from __future__ import annotations

import dataclasses

from sqlmodel import Session, col, func, select

from cityviz.models import CreditAllocation, CreditNote, Invoice, InvoiceLine, Organization
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing import credits, invoice_pdf
from cityviz.services.billing.direct_debits import on_direct_debit
from cityviz.services.billing.documents import day_of, invoice_document, note_document
from cityviz.services.errors import AccessDenied, NotFound
from cityviz.services.formatting import format_date, format_money


def _check_access(actor: Actor, household_id: int, organization_id: int) -> None:
    if actor.household_id == household_id:
        return
    if actor.household_id is not None and not actor.roles:
        raise AccessDenied()
    actor.require_staff(organization_id)


@dataclasses.dataclass(frozen=True)
class DocumentRow:
    """One entry of "Mes factures", worded as in the parents' guide."""

    kind: str  # invoice or credit_note
    id: int
    title: str  # "Facture n°20240900005 émise le 24/10/2024"
    organization: str
    payer: str
    label: str
    amount: str
    remaining: str  # "5,00 €" or "-"
    status: str  # due, paid, debit, credit
    status_label: str


def household_documents(s: Session, *, actor: Actor) -> list[DocumentRow]:
    household_id = actor.require_household()
    orgs = dict(s.exec(select(Organization.id, Organization.name)).all())
    invoices = s.exec(select(Invoice).where(Invoice.household_id == household_id)).all()
    remaining = credits.remaining_by_invoice(s, invoices)
    debited = on_direct_debit(s, [i.id for i in invoices])
    notes = s.exec(select(CreditNote).where(CreditNote.household_id == household_id)).all()
    used = dict(s.exec(select(CreditAllocation.credit_note_id, func.sum(CreditAllocation.amount_cents))
                       .where(col(CreditAllocation.credit_note_id).in_([n.id for n in notes]))
                       .group_by(CreditAllocation.credit_note_id)).all()) if notes else {}
    rows: list[tuple] = []
    for i in invoices:
        due = remaining[i.id]
        status, label = (("paid", "Payée") if due == 0 else ("debit", f"Prélèvement le {format_date(i.direct_debit_on)}")
                         if i.id in debited else ("due", "À payer"))
        rows.append((i.issued_at, 0, i.id, DocumentRow(
            kind="invoice", id=i.id, title=f"Facture n°{i.number} émise le {format_date(day_of(i.issued_at))}",
            organization=orgs.get(i.organization_id, ""), payer=i.payer_name, label=i.label,
            amount=format_money(i.total_cents), remaining=format_money(due) if due else "-", status=status,
            status_label=label)))
    for n in notes:
        left = n.total_cents - used.get(n.id, 0)
        rows.append((n.issued_at, 1, n.id, DocumentRow(
            kind="credit_note", id=n.id, title=f"Avoir n°{n.number} émis le {format_date(day_of(n.issued_at))}",
            organization=orgs.get(n.organization_id, ""), payer=n.payer_name, label=n.reason,
            amount=format_money(n.total_cents), remaining=format_money(left) if left else "-",
            status="credit", status_label="Crédit disponible" if left else "Imputé")))
    return [row for *_key, row in sorted(rows, key=lambda r: r[:3], reverse=True)]


@dataclasses.dataclass(frozen=True)
class DetailLine:
    child: str
    label: str
    dates: str
    quantity: int
    unit_price: str
    surcharge: str
    total: str


@dataclasses.dataclass(frozen=True)
class Settlement:
    day: str
    label: str
    amount: str


@dataclasses.dataclass(frozen=True)
class InvoiceDetail:
    kind: str
    id: int
    number: str
    title: str
    label: str
    organization: str
    payer_name: str
    payer_address: str
    issued_on: str
    lines: list[DetailLine]
    total: str
    paid: str
    credited: str
    remaining: str
    remaining_cents: int
    due: str  # "À régler avant le …" / "Prélèvement le …" / ""
    settlements: list[Settlement]
    can_pay_online: bool
    refers_to: str
    reason: str


def _load(s: Session, actor: Actor, kind: str, document_id: int):
    model = Invoice if kind == "invoice" else CreditNote
    document = s.get(model, document_id)
    if document is None:
        raise NotFound("Document introuvable.")
    _check_access(actor, document.household_id, document.organization_id)
    return document


def detail(s: Session, *, actor: Actor, kind: str, document_id: int) -> InvoiceDetail:
    document = _load(s, actor, kind, document_id)
    doc = invoice_document(s, document) if kind == "invoice" else note_document(s, document)
    org = s.get(Organization, document.organization_id)
    remaining = doc.remaining if kind == "invoice" else 0
    debited = kind == "invoice" and bool(on_direct_debit(s, [document.id]))
    if kind == "invoice" and remaining:
        due = (f"Prélèvement le {format_date(doc.direct_debit_on)}" if debited
               else f"À régler avant le {format_date(doc.due_date)}")
    else:
        due = ""
    return InvoiceDetail(
        kind=kind, id=document.id, number=doc.number,
        title=(f"Facture n°{doc.number}" if kind == "invoice" else f"Avoir n°{doc.number}"), label=doc.label,
        organization=org.name, payer_name=doc.payer_name, payer_address=doc.payer_address,
        issued_on=format_date(doc.issued_on),
        lines=[DetailLine(child=x.child_name, label=x.label, dates=invoice_pdf.format_period(x.date_from, x.date_to),
                          quantity=x.quantity, unit_price=format_money(x.unit_price_cents),
                          surcharge=format_money(x.surcharge_cents) if x.surcharge_cents else "",
                          total=format_money(x.total_cents)) for x in doc.lines],
        total=format_money(doc.total_cents), paid=format_money(doc.paid_cents),
        credited=format_money(doc.credited_cents), remaining=format_money(remaining) if remaining else "-",
        remaining_cents=remaining, due=due,
        settlements=[Settlement(format_date(p.date), p.label, format_money(p.amount_cents)) for p in doc.payments],
        can_pay_online=(kind == "invoice" and remaining > 0 and not debited and bool(org.payment_backend)
                        and actor.household_id == document.household_id),
        refers_to=f"Facture n°{doc.refers_to} du {format_date(doc.refers_to_issued_on)}" if kind != "invoice" else "",
        reason=doc.reason)


def pdf(s: Session, *, actor: Actor, kind: str, document_id: int) -> tuple[bytes, str]:
    """(PDF bytes, file name) — the same figures as `detail`."""
    document = _load(s, actor, kind, document_id)
    doc = invoice_document(s, document) if kind == "invoice" else note_document(s, document)
    prefix = "facture" if kind == "invoice" else "avoir"
    return invoice_pdf.render_pdf(doc), f"{prefix}-{doc.number}.pdf"


@dataclasses.dataclass(frozen=True)
class StaffInvoiceRow:
    kind: str
    id: int
    number: str
    issued: str
    payer: str
    label: str
    total: str
    remaining: str
    status: str


def list_documents(s: Session, *, actor: Actor, organization_id: int, search: str = "", page: int = 0,
                   per_page: int = 30) -> tuple[list[StaffInvoiceRow], int]:
    """The organization's invoices (newest first), searched by number or payer, one page."""
    actor.require_staff(organization_id)
    conditions = [Invoice.organization_id == organization_id]
    search = " ".join(str(search or "").split())
    if search:
        pattern = f"%{search.lower()}%"
        conditions.append(func.lower(Invoice.number).like(pattern) | func.lower(Invoice.payer_name).like(pattern))
    total = s.exec(select(func.count()).select_from(Invoice).where(*conditions)).one()
    rows = s.exec(select(Invoice).where(*conditions).order_by(col(Invoice.issued_at).desc(), col(Invoice.id).desc())
                  .offset(max(page, 0) * per_page).limit(per_page)).all()
    remaining = credits.remaining_by_invoice(s, rows)
    debited = on_direct_debit(s, [i.id for i in rows])
    return [StaffInvoiceRow(
        kind="invoice", id=i.id, number=i.number, issued=format_date(day_of(i.issued_at)), payer=i.payer_name,
        label=i.label, total=format_money(i.total_cents),
        remaining=format_money(remaining[i.id]) if remaining[i.id] else "-",
        status="Payée" if not remaining[i.id] else ("Prélèvement" if i.id in debited else "À payer"))
        for i in rows], total


@dataclasses.dataclass(frozen=True)
class CreditableLine:
    id: int
    child: str
    label: str
    total: str
    creditable: str
    can_credit: bool


def creditable_lines(s: Session, *, actor: Actor, invoice_id: int) -> list[CreditableLine]:
    invoice = _load(s, actor, "invoice", invoice_id)
    actor.require_staff(invoice.organization_id)
    left = credits.creditable_by_line(s, invoice.id)
    lines = s.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id).order_by(InvoiceLine.position)).all()
    return [CreditableLine(x.id, x.child_name, x.label, format_money(x.total_cents), format_money(left[x.id]),
                           left[x.id] > 0) for x in lines]


def household_of(s: Session, *, actor: Actor, kind: str, document_id: int) -> int:
    return _load(s, actor, kind, document_id).household_id
