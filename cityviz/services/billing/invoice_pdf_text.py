"""Every string an invoice or credit note PDF prints, in reading order.

`compose()` is the only source of the printed text; `document_lines()`
flattens that same composition. Tests check the printed text there instead
of decoding glyph ids out of the PDF (an embedded TrueType font stores glyph
numbers, not characters), and a spy test checks that the renderer
(`invoice_pdf.render_pdf`) draws exactly those strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from cityviz.services.billing.invoice_pdf_model import PdfDocument, PdfLine, PdfOrganization, check_document
from cityviz.services.formatting import format_date, format_money


@dataclass(frozen=True)
class TableRow:
    kind: Literal["child", "line", "subtotal"]
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Composition:
    sender: list[str]  # first line in bold
    recipient: list[str]  # first line in bold
    title: str
    subtitle: list[str]
    table_head: tuple[str, ...]
    rows: list[TableRow]
    totals: list[tuple[str, str]]  # the last one is emphasised
    notes: list[str]  # short, emphasised, under the totals
    remarks: list[str]  # explanations, full width
    payments_title: str
    payments: list[tuple[str, str, str]]
    footer: list[str]
    footer_reference: str


def compose(doc: PdfDocument) -> Composition:
    check_document(doc)
    with_surcharge = any(line.surcharge_cents for line in doc.lines)
    return Composition(
        sender=_sender_lines(doc.organization),
        recipient=[doc.payer_name, *_split_lines(doc.payer_address)],
        title=_title(doc),
        subtitle=_subtitle(doc),
        table_head=_table_head(with_surcharge),
        rows=_table_rows(doc.lines, with_surcharge),
        totals=_totals(doc),
        notes=_notes(doc),
        remarks=_remarks(doc),
        payments_title=_payments_title(doc) if doc.payments else "",
        payments=[
            (format_date(p.date), p.label, format_money(p.amount_cents)) for p in doc.payments
        ],
        footer=_footer_lines(doc.organization),
        footer_reference=_title(doc),
    )


def document_lines(doc: PdfDocument) -> list[str]:
    """Every string render_pdf prints (page numbers aside), in reading order."""
    part = compose(doc)
    strings = [*part.sender, *part.recipient, part.title, *part.subtitle, *part.table_head]
    for row in part.rows:
        strings.extend(row.cells)
    for label, amount in part.totals:
        strings.extend((label, amount))
    strings.extend(part.notes)
    strings.extend(part.remarks)
    strings.append(part.payments_title)
    for cells in part.payments:
        strings.extend(cells)
    strings.extend(part.footer)
    strings.append(part.footer_reference)
    return [text for text in strings if text]


def _split_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def format_siret(siret: str) -> str:
    """'21750001600019' -> '217 500 016 00019' (SIREN, then NIC)."""
    digits = siret.replace(" ", "")
    if len(digits) != 14 or not digits.isdigit():
        return siret.strip()
    return f"{digits[:3]} {digits[3:6]} {digits[6:9]} {digits[9:]}"


def _sender_lines(org: PdfOrganization) -> list[str]:
    lines = [org.legal_name or org.name]
    if org.legal_name and org.name and org.name != org.legal_name:
        lines.append(org.name)
    lines.extend(_split_lines(org.legal_address))
    if org.siret:
        lines.append(f"SIRET : {format_siret(org.siret)}")
    return lines


def _title(doc: PdfDocument) -> str:
    # "n°" is followed by a no-break space, as French typography wants.
    word = "Facture" if doc.kind == "invoice" else "Avoir"
    return f"{word} n°\u00a0{doc.number}"


def _subtitle(doc: PdfDocument) -> list[str]:
    issued = "Émise" if doc.kind == "invoice" else "Émis"  # une facture, un avoir
    lines = [f"{issued} le {format_date(doc.issued_on)}", doc.label]
    if doc.kind == "credit_note":
        refers = f"Avoir sur la facture n°\u00a0{doc.refers_to}"
        if doc.refers_to_issued_on:
            refers += f" du {format_date(doc.refers_to_issued_on)}"
        lines.append(refers)
        if doc.reason.strip():
            lines.append(f"Motif : {doc.reason.strip()}")
    return [line for line in lines if line]


def format_period(date_from: date | None, date_to: date | None) -> str:
    """'du 01/09/2024 au 30/09/2024', 'le 05/09/2024', or '' without dates."""
    if date_from is None and date_to is None:
        return ""
    if date_from is None or date_to is None or date_from == date_to:
        return f"le {format_date(date_from or date_to)}"
    return f"du {format_date(date_from)} au {format_date(date_to)}"


def _table_head(with_surcharge: bool) -> tuple[str, ...]:
    if with_surcharge:
        return ("Activité", "Période", "Qté", "Prix unit.", "Majoration", "Montant")
    return ("Activité", "Période", "Qté", "Prix unit.", "Montant")


def _table_rows(lines: Sequence[PdfLine], with_surcharge: bool) -> list[TableRow]:
    """Lines grouped per child, in order of first appearance."""
    groups: dict[str, list[PdfLine]] = {}
    for line in lines:
        groups.setdefault(line.child_name.strip(), []).append(line)
    rows: list[TableRow] = []
    for child, child_lines in groups.items():
        if child:
            rows.append(TableRow("child", (child,)))
        rows.extend(TableRow("line", _line_cells(line, with_surcharge)) for line in child_lines)
        if child and len(groups) > 1:
            subtotal = sum(line.total_cents for line in child_lines)
            rows.append(TableRow("subtotal", (f"Sous-total {child}", format_money(subtotal))))
    return rows


def _line_cells(line: PdfLine, with_surcharge: bool) -> tuple[str, ...]:
    cells = [
        line.label,
        format_period(line.date_from, line.date_to),
        str(line.quantity),
        format_money(line.unit_price_cents),
    ]
    if with_surcharge:
        cells.append(format_money(line.surcharge_cents) if line.surcharge_cents else "")
    cells.append(format_money(line.total_cents))
    return tuple(cells)


def _totals(doc: PdfDocument) -> list[tuple[str, str]]:
    if doc.kind == "credit_note":
        return [("Montant de l’avoir", format_money(doc.total_cents))]
    rows = [("Montant total", format_money(doc.total_cents))]
    if doc.paid_cents:
        rows.append(("Déjà réglé", format_money(doc.paid_cents)))
    if doc.credited_cents:
        rows.append(("Avoirs imputés", format_money(doc.credited_cents)))
    rows.append(("Reste à payer", format_money(doc.remaining)))
    return rows


def _notes(doc: PdfDocument) -> list[str]:
    if doc.kind == "credit_note":
        return []
    if doc.remaining == 0:
        # Only a document that was actually settled says so.
        return ["Facture acquittée"] if doc.total_cents else []
    if doc.direct_debit_on:
        return [f"Prélèvement automatique le {format_date(doc.direct_debit_on)}"]
    if doc.due_date:
        return [f"À régler avant le {format_date(doc.due_date)}"]
    return []


def _remarks(doc: PdfDocument) -> list[str]:
    if doc.kind == "invoice":
        return []
    # What the domain does with a credit note (DOMAIN.md), told to the family.
    return [
        "Ce montant est déduit de vos factures en attente de paiement, de la plus "
        "ancienne à la plus récente ; le solde éventuel reste à votre crédit."
    ]


def _payments_title(doc: PdfDocument) -> str:
    if doc.kind == "credit_note":
        return "Imputations"
    return "Règlements et avoirs imputés"


def _footer_lines(org: PdfOrganization) -> list[str]:
    identity = [org.legal_name or org.name, ", ".join(_split_lines(org.legal_address))]
    legal = [f"SIRET {format_siret(org.siret)}" if org.siret else "", org.mentions.strip()]
    lines = [" – ".join(part for part in parts if part) for parts in (identity, legal)]
    return [line for line in lines if line]
