"""The invoice or credit note as the PDF prints it, and its consistency checks.

Frozen dataclasses filled by the billing services from the database
(`invoices.py`); `check_document` refuses a document whose figures disagree
with each other, so the PDF can never disagree with the screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Kind = Literal["invoice", "credit_note"]


@dataclass(frozen=True, kw_only=True)
class PdfOrganization:
    name: str
    legal_name: str = ""
    legal_address: str = ""  # lines separated by "\n"
    siret: str = ""
    logo_png: bytes | None = None
    mentions: str = ""  # extra legal text for the footer, e.g. the VAT mention


@dataclass(frozen=True, kw_only=True)
class PdfLine:
    """One invoice line. Credit note lines that only know a label and an
    amount pass quantity=1, unit_price_cents=total_cents and no dates."""

    child_name: str  # "" = no child heading (lines of the household)
    label: str
    date_from: date | None = None
    date_to: date | None = None
    quantity: int = 1
    unit_price_cents: int
    surcharge_cents: int = 0
    total_cents: int


@dataclass(frozen=True, kw_only=True)
class PdfPayment:
    """A payment or a credit applied to the invoice (for a credit note: an
    invoice it was applied to). amount_cents is the part allocated here."""

    date: date
    label: str
    amount_cents: int


@dataclass(frozen=True, kw_only=True)
class PdfDocument:
    kind: Kind
    number: str
    issued_on: date
    label: str  # "Facture post-paiement pour sept. 2024"
    organization: PdfOrganization
    payer_name: str
    payer_address: str  # lines separated by "\n"
    lines: Sequence[PdfLine]
    total_cents: int
    # Invoices only.
    due_date: date | None = None
    paid_cents: int = 0
    credited_cents: int = 0
    remaining_cents: int | None = None  # None: computed; else must match
    direct_debit_on: date | None = None
    # Credit notes only.
    refers_to: str = ""  # number of the invoice corrected
    refers_to_issued_on: date | None = None
    reason: str = ""
    payments: Sequence[PdfPayment] = field(default_factory=tuple)

    @property
    def remaining(self) -> int:
        if self.kind == "credit_note":
            return 0
        return self.total_cents - self.paid_cents - self.credited_cents


# --- Checks: the PDF must never disagree with the screen ---------------------------------------


def check_document(doc: PdfDocument) -> None:
    """Raise ValueError when the document is inconsistent."""
    if doc.kind not in ("invoice", "credit_note"):
        raise ValueError(f"Unknown document kind: {doc.kind!r}")
    if not doc.number.strip():
        raise ValueError("A document needs its number")
    if not doc.lines:
        raise ValueError("A document needs at least one line")
    for line in doc.lines:
        _check_line(line)
    amounts = (doc.total_cents, doc.paid_cents, doc.credited_cents)
    if min(amounts) < 0:
        raise ValueError("Amounts are never negative")
    line_sum = sum(line.total_cents for line in doc.lines)
    if doc.total_cents != line_sum:
        raise ValueError(f"Total {doc.total_cents} differs from the sum of the lines {line_sum}")
    if any(payment.amount_cents <= 0 for payment in doc.payments):
        raise ValueError("A payment amount is positive")
    if doc.kind == "invoice":
        _check_invoice(doc)
    else:
        _check_credit_note(doc)


def _check_line(line: PdfLine) -> None:
    if line.quantity <= 0:
        raise ValueError("A line quantity is positive")
    if min(line.unit_price_cents, line.surcharge_cents, line.total_cents) < 0:
        raise ValueError("Amounts are never negative")
    expected = line.quantity * line.unit_price_cents + line.surcharge_cents
    if line.total_cents != expected:
        raise ValueError(f"Line total {line.total_cents} differs from {expected}")
    if line.date_from and line.date_to and line.date_to < line.date_from:
        raise ValueError("A line period ends after it starts")


def _check_invoice(doc: PdfDocument) -> None:
    if doc.remaining < 0:
        raise ValueError("Payments and credits exceed the invoice total")
    if doc.remaining_cents is not None and doc.remaining_cents != doc.remaining:
        raise ValueError(
            f"Remaining {doc.remaining_cents} differs from total - paid - credited = {doc.remaining}"
        )
    applied = sum(payment.amount_cents for payment in doc.payments)
    if doc.payments and applied != doc.paid_cents + doc.credited_cents:
        raise ValueError("The payments listed do not add up to paid + credited")


def _check_credit_note(doc: PdfDocument) -> None:
    if doc.total_cents <= 0:
        raise ValueError("A credit note has a positive amount")
    if not doc.refers_to.strip():
        raise ValueError("A credit note refers to the invoice it corrects")
    if sum(payment.amount_cents for payment in doc.payments) > doc.total_cents:
        raise ValueError("A credit note cannot be applied beyond its amount")
