"""An invoice or a credit note as a PDF document (figures, lines, settlements), read from the
database: what the screen, the PDF download and the e-mails announcing them share. Imports no
other billing service, so that the code issuing documents (credits, periods) can use it."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from cityviz import clock
from cityviz.models import (
    CreditAllocation,
    CreditNote,
    CreditNoteLine,
    DirectDebit,
    Invoice,
    InvoiceLine,
    Organization,
    Payment,
    PaymentAllocation,
    Person,
    User,
)
from cityviz.services.billing import invoice_pdf
from cityviz.services.households import files

METHOD_LABELS = {"cash": "Espèces", "cheque": "Chèque", "cesu": "CESU", "transfer": "Virement",
                 "card": "Carte bancaire (en ligne)", "payfip": "PayFiP (en ligne)", "direct_debit": "Prélèvement"}


def on_direct_debit(s: Session, invoice_ids: list[int]) -> set[int]:
    """Invoices the bank will debit (a rejected debit no longer counts)."""
    if not invoice_ids:
        return set()
    return set(s.exec(select(DirectDebit.invoice_id).where(col(DirectDebit.invoice_id).in_(invoice_ids),
                                                          DirectDebit.status != "rejected")).all())


def day_of(moment) -> date:
    return moment.astimezone(clock.PARIS).date()


def pdf_parts(s: Session, invoice: Invoice):
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
    settlements += [invoice_pdf.PdfPayment(date=day_of(a.allocated_at), label=f"Avoir n°{n.number}",
                                           amount_cents=a.amount_cents) for a, n in notes]
    paid = sum(a.amount_cents for a, _p in payments)
    credited = sum(a.amount_cents for a, _n in notes)
    return pdf_lines, settlements, paid, credited


def organization_of(s: Session, organization_id: int) -> tuple[Organization, invoice_pdf.PdfOrganization]:
    org = s.get(Organization, organization_id)
    return org, invoice_pdf.PdfOrganization(name=org.name, legal_name=org.legal_name or org.name,
                                            legal_address=org.legal_address, siret=org.siret)


def invoice_document(s: Session, invoice: Invoice) -> invoice_pdf.PdfDocument:
    lines, settlements, paid, credited = pdf_parts(s, invoice)
    _org, pdf_org = organization_of(s, invoice.organization_id)
    return invoice_pdf.PdfDocument(
        kind="invoice", number=invoice.number, issued_on=day_of(invoice.issued_at), label=invoice.label,
        organization=pdf_org, payer_name=invoice.payer_name, payer_address=invoice.payer_address, lines=lines,
        total_cents=invoice.total_cents, due_date=invoice.due_date, paid_cents=paid, credited_cents=credited,
        direct_debit_on=invoice.direct_debit_on if on_direct_debit(s, [invoice.id]) else None, payments=settlements)


def note_document(s: Session, note: CreditNote) -> invoice_pdf.PdfDocument:
    invoice = s.get(Invoice, note.invoice_id)
    rows = s.exec(select(CreditNoteLine, InvoiceLine).outerjoin(InvoiceLine, InvoiceLine.id == CreditNoteLine.invoice_line_id)
                  .where(CreditNoteLine.credit_note_id == note.id).order_by(CreditNoteLine.id)).all()
    lines = [invoice_pdf.PdfLine(child_name=x.child_name if x else "", label=c.label.split(" – ", 1)[-1],
                                 date_from=x.date_from if x else None, date_to=x.date_to if x else None, quantity=1,
                                 unit_price_cents=c.total_cents, total_cents=c.total_cents) for c, x in rows]
    _org, pdf_org = organization_of(s, note.organization_id)
    return invoice_pdf.PdfDocument(
        kind="credit_note", number=note.number, issued_on=day_of(note.issued_at), label="Avoir",
        organization=pdf_org, payer_name=note.payer_name, payer_address=note.payer_address, lines=lines,
        total_cents=note.total_cents, refers_to=invoice.number, refers_to_issued_on=day_of(invoice.issued_at),
        reason=note.reason)


def stored_pdf(s: Session, document: Invoice | CreditNote) -> tuple[str, str]:
    """(file name, stored file key) of a document's PDF, for the e-mail announcing it (the régie
    setting `email_invoice_pdf`). Called by the service that issues the document."""
    kind = "invoice" if isinstance(document, Invoice) else "credit_note"
    doc = invoice_document(s, document) if kind == "invoice" else note_document(s, document)
    prefix = "facture" if kind == "invoice" else "avoir"
    return f"{prefix}-{doc.number}.pdf", files.store_generated(invoice_pdf.render_pdf(doc))




def household_addresses(s: Session, household_ids: list[int]) -> list[tuple[int, str]]:
    """(household id, e-mail) of every active account of these households."""
    if not household_ids:
        return []
    return list(s.exec(select(Person.household_id, User.email).join(User, User.person_id == Person.id)
                       .where(col(Person.household_id).in_(household_ids), User.is_active == True)  # noqa: E712
                       .order_by(User.id)).all())
