"""Invoice and credit note PDFs (fpdf2), A4 portrait, as a town hall's régie sends them.

Pure: frozen dataclasses in, PDF bytes out — no database, no Reflex.

Every string the PDF prints comes from `compose()`; `document_lines()`
flattens that same composition. Tests check the printed text there instead
of decoding glyph ids out of the PDF (an embedded TrueType font stores glyph
numbers, not characters), and a spy test checks that the renderer draws
exactly those strings.

The fonts are DejaVu Sans regular and bold, shipped in `data/fonts/` (free
licence, text beside them): the core PDF fonts are latin-1 only and lack
"€", "’" and the narrow no-break space babel puts in "1 234,56 €". fpdf2
embeds only the glyphs used, so a one-page invoice stays around 30 kB.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Literal

from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout, XPos, YPos
from fpdf.table import Table

from cityviz.clock import PARIS
from cityviz.services.formatting import format_date, format_money

FONT_DIR = Path(__file__).parent / "data" / "fonts"
FONT = "DejaVu"

Kind = Literal["invoice", "credit_note"]

# Layout, in millimetres (A4 is 210 × 297).
MARGIN = 18.0
SENDER_WIDTH = 85.0
# Address block of a French window envelope (DL, window on the right).
WINDOW_X = 110.0
WINDOW_Y = 48.0
WINDOW_WIDTH = 85.0
TITLE_MIN_Y = 96.0
TOTALS_WIDTH = 90.0
FOOTER_HEIGHT = 16.0

TEXT = (33, 37, 41)
MUTED = (108, 117, 125)
RULE = (190, 195, 200)
HEAD_FILL = (233, 236, 239)
CHILD_FILL = (248, 249, 250)


# --------------------------------------------------------------------------
# Input


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


# --------------------------------------------------------------------------
# Checks: the PDF must never disagree with the screen.


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


# --------------------------------------------------------------------------
# Composition: every string printed, in reading order.


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


# --------------------------------------------------------------------------
# Rendering


class _Pdf(FPDF):
    """FPDF with the footer of the document on every page."""

    def __init__(self, composition: Composition):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.composition = composition

    def footer(self) -> None:
        self.set_y(-FOOTER_HEIGHT)
        self.set_draw_color(*RULE)
        self.line(MARGIN, self.get_y(), self.w - MARGIN, self.get_y())
        self.set_y(self.get_y() + 1.5)
        self.set_font(FONT, size=7)
        self.set_text_color(*MUTED)
        for text in self.composition.footer:
            self.multi_cell(0, 3.2, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        y = self.get_y() + 0.5
        self.set_xy(MARGIN, y)
        self.cell(self.epw / 2, 3.2, self.composition.footer_reference, align="L")
        self.set_xy(MARGIN + self.epw / 2, y)
        self.cell(self.epw / 2, 3.2, f"Page {self.page_no()}/{{nb}}", align="R")


def render_pdf(doc: PdfDocument) -> bytes:
    """The PDF of an invoice or a credit note; ValueError if inconsistent."""
    part = compose(doc)
    pdf = _new_pdf(doc, part)
    pdf.add_page()
    _draw_header(pdf, doc, part)
    _draw_lines_table(pdf, part)
    _draw_totals(pdf, part)
    _draw_payments(pdf, part)
    return bytes(pdf.output())


def _new_pdf(doc: PdfDocument, part: Composition) -> _Pdf:
    pdf = _Pdf(part)
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(MARGIN, 15, MARGIN)
    pdf.set_auto_page_break(True, margin=FOOTER_HEIGHT + 6)
    # Same input, same bytes: the dates in the file come from the document.
    pdf.set_creation_date(datetime.combine(doc.issued_on, time(12), tzinfo=PARIS))
    pdf.set_title(part.title)
    pdf.set_author(doc.organization.legal_name or doc.organization.name)
    pdf.set_lang("fr-FR")
    pdf.set_text_color(*TEXT)
    return pdf


def _draw_header(pdf: _Pdf, doc: PdfDocument, part: Composition) -> None:
    top = 15.0
    if doc.organization.logo_png:
        width, height = _logo_box(doc.organization.logo_png)
        logo = io.BytesIO(doc.organization.logo_png)
        pdf.image(logo, x=MARGIN + pdf.c_margin, y=top, w=width, h=height)
        top += 22
    _draw_block(pdf, MARGIN, top, SENDER_WIDTH, part.sender, size=9)
    sender_bottom = pdf.get_y()
    _draw_block(pdf, WINDOW_X, WINDOW_Y, WINDOW_WIDTH, part.recipient, size=10.5)
    pdf.set_y(max(TITLE_MIN_Y, sender_bottom + 8, pdf.get_y() + 8))
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 8, part.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)
    for text in part.subtitle:
        pdf.set_font(FONT, "B" if text == doc.label else "", 10)
        pdf.multi_cell(0, 5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(5)


def _logo_box(png: bytes, max_width: float = 50, max_height: float = 18) -> tuple[float, float]:
    """Size in mm of the logo fitted, left-aligned, in its box (read from the PNG header)."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or len(png) < 24:
        return 0, max_height  # not a PNG: let fpdf2 keep the proportions
    ratio = int.from_bytes(png[16:20], "big") / max(int.from_bytes(png[20:24], "big"), 1)
    width = min(max_width, max_height * ratio)
    return width, width / ratio


def _draw_block(pdf: FPDF, x: float, y: float, width: float, lines: list[str], size: float):
    pdf.set_xy(x, y)
    for index, text in enumerate(lines):
        pdf.set_font(FONT, "B" if index == 0 else "", size)
        pdf.set_x(x)
        pdf.multi_cell(width, size * 0.45, text, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)


def _column_widths(columns: int) -> tuple[float, ...]:
    # Sized so that "du 01/09/2024 au 30/09/2024" and "1 234,56 €" hold on one line.
    if columns == 6:
        return (51, 49, 10, 20, 22, 22)
    return (68, 49, 11, 22, 24)


def _draw_lines_table(pdf: _Pdf, part: Composition) -> None:
    widths = _column_widths(len(part.table_head))
    align = ("LEFT", "LEFT", *(["RIGHT"] * (len(widths) - 2)))
    pdf.set_font(FONT, size=8.5)
    pdf.set_draw_color(*RULE)
    with pdf.table(
        col_widths=widths,
        width=sum(widths),
        text_align=align,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        headings_style=FontFace(emphasis="BOLD", fill_color=HEAD_FILL, color=TEXT),
        line_height=4,
        padding=(1.3, 1.5),
        repeat_headings=1,
        v_align="TOP",
    ) as table:
        table.row(part.table_head)
        for row in part.rows:
            _draw_table_row(table, row, len(widths))


def _draw_table_row(table: Table, row: TableRow, columns: int) -> None:
    if row.kind == "child":
        style = FontFace(emphasis="BOLD", fill_color=CHILD_FILL)
        table.row().cell(row.cells[0], colspan=columns, style=style, align="LEFT")
    elif row.kind == "subtotal":
        label, amount = row.cells
        cells = table.row()
        cells.cell(label, colspan=columns - 1, align="RIGHT")
        cells.cell(amount, align="RIGHT")
    else:
        table.row(row.cells)


def _draw_totals(pdf: _Pdf, part: Composition) -> None:
    height = 6.5 * len(part.totals) + 5 * len(part.notes) + 10 * len(part.remarks) + 6
    if pdf.will_page_break(height):
        pdf.add_page()
    pdf.ln(4)
    x = pdf.w - MARGIN - TOTALS_WIDTH
    last = len(part.totals) - 1
    for index, (label, amount) in enumerate(part.totals):
        emphasis = index in (0, last)
        pdf.set_font(FONT, "B" if emphasis else "", 11 if index == last else 9.5)
        pdf.set_x(x)
        # A local context, so the fill colour does not leak into later tables.
        with pdf.local_context(fill_color=HEAD_FILL):
            pdf.cell(TOTALS_WIDTH * 0.6, 6.5, label, fill=index == last)
            pdf.cell(TOTALS_WIDTH * 0.4, 6.5, amount, align="R", fill=index == last,
                     new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font(FONT, "B", 9.5)
    for note in part.notes:
        pdf.set_x(x)
        pdf.multi_cell(TOTALS_WIDTH, 4.8, note, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=9)
    for remark in part.remarks:
        pdf.ln(2)
        pdf.multi_cell(0, 4.5, remark, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _draw_payments(pdf: _Pdf, part: Composition) -> None:
    if not part.payments:
        return
    if pdf.will_page_break(8 + 6 * min(len(part.payments), 3)):
        pdf.add_page()
    pdf.ln(6)
    pdf.set_font(FONT, "B", 10)
    pdf.cell(0, 6, part.payments_title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=8.5)
    pdf.set_draw_color(*RULE)
    widths = (24, 120, 30)
    with pdf.table(
        col_widths=widths,
        width=sum(widths),
        text_align=("LEFT", "LEFT", "RIGHT"),
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        first_row_as_headings=False,
        line_height=4,
        padding=(1.2, 1.5),
    ) as table:
        for cells in part.payments:
            table.row(cells)
