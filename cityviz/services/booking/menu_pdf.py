"""The week's menu as a PDF for the school's door (fpdf2, A4 landscape, the invoices' DejaVu font)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from sqlmodel import Session

from cityviz.models import Organization
from cityviz.services.accounts.actor import Actor
from cityviz.services.booking import menus
from cityviz.services.errors import InvalidInput
from cityviz.services.formatting import format_date

FONT_DIR = Path(__file__).parent.parent / "billing" / "data" / "fonts"  # shared with the invoices
FONT = "DejaVu"


def week_pdf(s: Session, *, actor: Actor, organization_id: int, monday: date) -> tuple[bytes, str]:
    """(PDF, file name) of the week starting on `monday`, for its organization's staff."""
    week = menus.week_menu(s, actor=actor, organization_id=organization_id, monday=monday)
    if not any(day.dishes for day in week):
        raise InvalidInput("Aucun menu publié cette semaine.")
    organization = s.get(Organization, organization_id)
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(12, 12, 12)
    pdf.add_page()
    pdf.set_font(FONT, "B", 18)
    first = date.fromisoformat(week[0].iso)
    pdf.cell(0, 10, f"Menus de la cantine – semaine du {format_date(first)}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    pdf.cell(0, 6, organization.name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    width = (pdf.w - 24) / len(week)
    top = pdf.get_y()
    for n, day in enumerate(week):
        x = 12 + n * width
        pdf.set_xy(x, top)
        pdf.set_font(FONT, "B", 11)
        pdf.multi_cell(width - 2, 7, day.title, border="B", new_x=XPos.LEFT, new_y=YPos.NEXT)
        for dish in day.dishes:
            pdf.set_x(x)
            pdf.set_font(FONT, "B", 8)
            pdf.multi_cell(width - 2, 4, dish.course_label, new_x=XPos.LEFT, new_y=YPos.NEXT)
            pdf.set_x(x)
            pdf.set_font(FONT, "", 10)
            labels = " ".join(label for flag, label in ((dish.organic, "[bio]"), (dish.homemade, "[fait maison]"))
                              if flag)
            pdf.multi_cell(width - 2, 5, f"{dish.name} {labels}".strip(), new_x=XPos.LEFT, new_y=YPos.NEXT)
            if dish.allergen_labels:
                pdf.set_x(x)
                pdf.set_font(FONT, "", 7)
                pdf.multi_cell(width - 2, 3.5, f"Allergènes : {dish.allergen_labels}", new_x=XPos.LEFT,
                               new_y=YPos.NEXT)
            pdf.ln(2)
    pdf.set_xy(12, pdf.h - 18)
    pdf.set_font(FONT, "", 7)
    pdf.multi_cell(0, 3.5, "Allergènes : les 14 du règlement (UE) n° 1169/2011. Un enfant avec un PAI suit son "
                           "protocole. Menus susceptibles de modifications.")
    return bytes(pdf.output()), f"menus-{first.isoformat()}.pdf"
