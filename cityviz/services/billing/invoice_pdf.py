"""Invoice and credit note PDFs (fpdf2), A4 portrait, as a town hall's régie sends them.

Pure: frozen dataclasses in, PDF bytes out — no database, no Reflex. The
document (`invoice_pdf_model`) is composed into the strings to print
(`invoice_pdf_text`), which this module lays out and draws. It is also the
entry point of the three: the billing services import everything from here.

The fonts are DejaVu Sans regular and bold, shipped in `data/fonts/` (free
licence, text beside them): the core PDF fonts are latin-1 only and lack
"€", "’" and the narrow no-break space babel puts in "1 234,56 €". fpdf2
embeds only the glyphs used, so a one-page invoice stays around 30 kB.
"""

from __future__ import annotations

import io
from datetime import datetime, time
from pathlib import Path

from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout, XPos, YPos
from fpdf.table import Table

from cityviz.clock import PARIS
from cityviz.services.billing.invoice_pdf_model import (
    Kind,
    PdfDocument,
    PdfLine,
    PdfOrganization,
    PdfPayment,
    check_document,
)
from cityviz.services.billing.invoice_pdf_text import (
    Composition,
    TableRow,
    compose,
    document_lines,
    format_period,
    format_siret,
)

__all__ = ["Composition", "Kind", "PdfDocument", "PdfLine", "PdfOrganization", "PdfPayment", "TableRow",
           "check_document", "compose", "document_lines", "format_period", "format_siret", "render_pdf"]

FONT_DIR = Path(__file__).parent / "data" / "fonts"
FONT = "DejaVu"

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
