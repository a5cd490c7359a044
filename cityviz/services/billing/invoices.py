"""Invoices and credit notes as families and staff read them, and their PDFs.

The screen and the PDF are built from the same `InvoiceDetail`, so every
figure on the PDF equals the one on screen.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from sqlmodel import Session, col, func, select

from cityviz import clock
from cityviz.models import (
    BillingPeriod,
    CreditAllocation,
    CreditNote,
    CreditNoteLine,
    DirectDebit,
    Invoice,
    InvoiceLine,
    Organization,
    Payment,
    PaymentAllocation,
)
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing import credits, invoice_pdf, ledger
from cityviz.services.billing.direct_debits import on_direct_debit
from cityviz.services.billing.journal import METHOD_LABELS
from cityviz.services.billing.lookups import require_billing_object
from cityviz.services.errors import InvalidInput
from cityviz.services.formatting import format_date, format_money
from cityviz.services.households import files
from cityviz.services.inputs import month_bounds


def _day(moment) -> date:
    return moment.astimezone(clock.PARIS).date()


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
    remaining = ledger.remaining_by_invoice(s, invoices)
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
            kind="invoice", id=i.id, title=f"Facture n°{i.number} émise le {format_date(_day(i.issued_at))}",
            organization=orgs.get(i.organization_id, ""), payer=i.payer_name, label=i.label,
            amount=format_money(i.total_cents), remaining=format_money(due) if due else "-", status=status,
            status_label=label)))
    for n in notes:
        left = n.total_cents - used.get(n.id, 0)
        rows.append((n.issued_at, 1, n.id, DocumentRow(
            kind="credit_note", id=n.id, title=f"Avoir n°{n.number} émis le {format_date(_day(n.issued_at))}",
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

    @classmethod
    def of(cls, line) -> DetailLine:
        """A line as shown on screen, from an issued line or a preview's draft line."""
        return cls(child=line.child_name, label=line.label, dates=invoice_pdf.format_period(line.date_from,
                                                                                         line.date_to),
                   quantity=line.quantity, unit_price=format_money(line.unit_price_cents),
                   surcharge=format_money(line.surcharge_cents) if line.surcharge_cents else "",
                   total=format_money(line.total_cents))


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
    issued_label: str  # "Émise le 24/10/2024" (une facture), "Émis le …" (un avoir)
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


def _pdf_parts(s: Session, invoice: Invoice):
    """Lines and settlements of an invoice, as PDF objects (also used for the screen)."""
    lines = s.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id).order_by(InvoiceLine.position)).all()
    pdf_lines = [invoice_pdf.PdfLine(child_name=x.child_name, label=x.label, date_from=x.date_from, date_to=x.date_to,
                                     quantity=x.quantity, unit_price_cents=x.unit_price_cents,
                                     surcharge_cents=x.surcharge_cents, total_cents=x.total_cents) for x in lines]
    payments = s.exec(select(PaymentAllocation, Payment).join(Payment, Payment.id == PaymentAllocation.payment_id)
                      .where(PaymentAllocation.invoice_id == invoice.id, col(Payment.reversed_at).is_(None))
                      .order_by(Payment.received_on, Payment.id)).all()
    notes = s.exec(select(CreditAllocation, CreditNote).join(CreditNote, CreditNote.id == CreditAllocation.credit_note_id)
                   .where(CreditAllocation.invoice_id == invoice.id).order_by(CreditAllocation.allocated_at)).all()
    settlements = [invoice_pdf.PdfPayment(date=p.received_on, label=METHOD_LABELS.get(p.method, p.method)
                                          + (f" n° {p.reference}" if p.reference else ""), amount_cents=a.amount_cents)
                   for a, p in payments]
    settlements += [invoice_pdf.PdfPayment(date=_day(a.allocated_at), label=f"Avoir n°{n.number}",
                                           amount_cents=a.amount_cents) for a, n in notes]
    paid = sum(a.amount_cents for a, _p in payments)
    credited = sum(a.amount_cents for a, _n in notes)
    return pdf_lines, settlements, paid, credited


def _organization(s: Session, organization_id: int) -> tuple[Organization, invoice_pdf.PdfOrganization]:
    org = s.get(Organization, organization_id)
    return org, invoice_pdf.PdfOrganization(name=org.name, legal_name=org.legal_name or org.name,
                                            legal_address=org.legal_address, siret=org.siret)


def _invoice_document(s: Session, invoice: Invoice) -> invoice_pdf.PdfDocument:
    lines, settlements, paid, credited = _pdf_parts(s, invoice)
    _org, pdf_org = _organization(s, invoice.organization_id)
    return invoice_pdf.PdfDocument(
        kind="invoice", number=invoice.number, issued_on=_day(invoice.issued_at), label=invoice.label,
        organization=pdf_org, payer_name=invoice.payer_name, payer_address=invoice.payer_address, lines=lines,
        total_cents=invoice.total_cents, due_date=invoice.due_date, paid_cents=paid, credited_cents=credited,
        direct_debit_on=invoice.direct_debit_on if on_direct_debit(s, [invoice.id]) else None, payments=settlements)


def _note_document(s: Session, note: CreditNote) -> invoice_pdf.PdfDocument:
    invoice = s.get(Invoice, note.invoice_id)
    rows = s.exec(select(CreditNoteLine, InvoiceLine).outerjoin(InvoiceLine, InvoiceLine.id == CreditNoteLine.invoice_line_id)
                  .where(CreditNoteLine.credit_note_id == note.id).order_by(CreditNoteLine.id)).all()
    lines = [invoice_pdf.PdfLine(child_name=x.child_name if x else "", label=c.label.split(" – ", 1)[-1],
                                 date_from=x.date_from if x else None, date_to=x.date_to if x else None, quantity=1,
                                 unit_price_cents=c.total_cents, total_cents=c.total_cents) for c, x in rows]
    _org, pdf_org = _organization(s, note.organization_id)
    return invoice_pdf.PdfDocument(
        kind="credit_note", number=note.number, issued_on=_day(note.issued_at), label="Avoir",
        organization=pdf_org, payer_name=note.payer_name, payer_address=note.payer_address, lines=lines,
        total_cents=note.total_cents, refers_to=invoice.number, refers_to_issued_on=_day(invoice.issued_at),
        reason=note.reason)


def _load(s: Session, actor: Actor, kind: str, document_id: int):
    """Its household's own document, or one staff may bill in its organization; any other id
    (missing or not theirs) gets the same refusal."""
    model = Invoice if kind == "invoice" else CreditNote
    document = s.get(model, document_id) if isinstance(document_id, int) else None
    if document is not None and actor.household_id is not None and actor.household_id == document.household_id:
        return document
    return require_billing_object(s, actor, model, document_id)


def detail(s: Session, *, actor: Actor, kind: str, document_id: int) -> InvoiceDetail:
    document = _load(s, actor, kind, document_id)
    doc = _invoice_document(s, document) if kind == "invoice" else _note_document(s, document)
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
        issued_label=("Émise le " if kind == "invoice" else "Émis le ") + format_date(doc.issued_on),
        lines=[DetailLine.of(x) for x in doc.lines],
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
    doc = _invoice_document(s, document) if kind == "invoice" else _note_document(s, document)
    prefix = "facture" if kind == "invoice" else "avoir"
    return invoice_pdf.render_pdf(doc), f"{prefix}-{doc.number}.pdf"


def stored_pdf(s: Session, document: Invoice | CreditNote) -> tuple[str, str]:
    """(file name, stored file key) of a document's PDF, for the e-mail announcing it (the régie's
    setting `email_invoice_pdf`); called by the service issuing the document, no actor of its own."""
    if isinstance(document, Invoice):
        doc, prefix = _invoice_document(s, document), "facture"
    else:
        doc, prefix = _note_document(s, document), "avoir"
    return f"{prefix}-{doc.number}.pdf", files.store_generated(invoice_pdf.render_pdf(doc))


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


# Filters of the staff list: the status shown on each row.
STATUS_FILTERS = {"": "Toutes", "due": "À payer", "late": "Échues non payées", "debit": "Prélèvement",
                  "paid": "Payées"}


def list_conditions(organization_id: int, search: str, status: str, month: str) -> list:
    """The staff list's filters as SQL conditions (also what the dashboard counts, so that a
    figure and the list it opens agree)."""
    if status not in STATUS_FILTERS:
        raise InvalidInput("Filtre d'état inconnu.", field="status")
    conditions = [Invoice.organization_id == organization_id]
    search = " ".join(str(search or "").split())
    if search:
        pattern = f"%{search.lower()}%"
        conditions.append(func.lower(Invoice.number).like(pattern) | func.lower(Invoice.payer_name).like(pattern))
    if month:
        start, _end = month_bounds(month)
        conditions.append(col(Invoice.billing_period_id).in_(select(BillingPeriod.id).where(
            BillingPeriod.organization_id == organization_id, BillingPeriod.start_date == start)))
    if status:
        left = ledger.remaining_table(organization_id)
        owing = col(Invoice.id).in_(select(left.c.invoice_id).where(left.c.left_cents > 0))
        debited = col(Invoice.id).in_(select(DirectDebit.invoice_id).where(
            DirectDebit.organization_id == organization_id, DirectDebit.status != "rejected"))
        conditions.append({"paid": ~owing, "due": owing & ~debited,
                           "late": owing & ~debited & (Invoice.due_date < clock.today()),
                           "debit": owing & debited}[status])
    return conditions


def list_documents(s: Session, *, actor: Actor, organization_id: int, search: str = "", status: str = "",
                   month: str = "", page: int = 0, per_page: int = 30) -> tuple[list[StaffInvoiceRow], int]:
    """The organization's invoices (newest first), searched by number or payer, filtered by
    status and billed month ("2026-09"), one page."""
    actor.require_capability(organization_id, "billing")
    conditions = list_conditions(organization_id, search, status, month)
    total = s.exec(select(func.count()).select_from(Invoice).where(*conditions)).one()
    rows = s.exec(select(Invoice).where(*conditions).order_by(col(Invoice.issued_at).desc(), col(Invoice.id).desc())
                  .offset(max(page, 0) * per_page).limit(per_page)).all()
    remaining = ledger.remaining_by_invoice(s, rows)
    debited = on_direct_debit(s, [i.id for i in rows])
    return [StaffInvoiceRow(
        kind="invoice", id=i.id, number=i.number, issued=format_date(_day(i.issued_at)), payer=i.payer_name,
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
    invoice = require_billing_object(s, actor, Invoice, invoice_id)
    left = credits.creditable_by_line(s, invoice.id)
    lines = s.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id).order_by(InvoiceLine.position)).all()
    return [CreditableLine(x.id, x.child_name, x.label, format_money(x.total_cents), format_money(left[x.id]),
                           left[x.id] > 0) for x in lines]


def household_of(s: Session, *, actor: Actor, kind: str, document_id: int) -> int:
    return _load(s, actor, kind, document_id).household_id
