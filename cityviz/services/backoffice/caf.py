"""« Statistiques CAF »: what a town declares each year for the CAF's prestation de service, per
month and activity — hours of presence (present, and present without booking) split between
children under 6 and 6 and over on the day, distinct children, days open — exported as Excel
or PDF. A child whose birth date is unknown counts with the 6 and over (and is counted apart)."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import date

from sqlmodel import Session, col, func, select

from cityviz.models import Activity, ActivitySession, Attendance, Organization, Person
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing.periods import month_bounds
from cityviz.services.errors import InvalidInput
from cityviz.services.exports import xlsx_bytes
from cityviz.services.formatting import format_month

PRESENT = ("present", "unbooked_present")
HEADER = ["Activité", "Heures (moins de 6 ans)", "Heures (6 ans et plus)", "Enfants distincts", "Jours d'ouverture",
          "Âge inconnu"]


@dataclasses.dataclass(frozen=True)
class CafRow:
    activity: str
    hours_under_6: str  # "12,5"
    hours_6_and_over: str
    children: int
    days_open: int
    unknown_age: int  # distinct children without a birth date


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def _under_6(birth: date | None, on: date) -> bool:
    if birth is None:
        return False
    return (on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))) < 6


def _figures(s: Session, organization_id: int, month: str) -> list[tuple[str, int, int, int, int, int]]:
    start, end = month_bounds(month)
    in_month = (Activity.organization_id == organization_id, ActivitySession.date >= start, ActivitySession.date <= end)
    activities = s.exec(select(Activity.id, Activity.name, Activity.start_minutes, Activity.end_minutes)
                        .where(Activity.organization_id == organization_id).order_by(Activity.name)).all()
    # Presences grouped by (activity, day, birth date): a few thousand rows for a month of a town.
    grouped = s.exec(select(ActivitySession.activity_id, ActivitySession.date, Person.birth_date, func.count())
                     .join(Activity, Activity.id == ActivitySession.activity_id)
                     .join(Attendance, Attendance.session_id == ActivitySession.id)
                     .join(Person, Person.id == Attendance.child_id)
                     .where(*in_month, col(Attendance.status).in_(PRESENT))
                     .group_by(ActivitySession.activity_id, ActivitySession.date, Person.birth_date)).all()
    children = dict(s.exec(select(ActivitySession.activity_id, func.count(func.distinct(Attendance.child_id)))
                           .join(Activity, Activity.id == ActivitySession.activity_id)
                           .join(Attendance, Attendance.session_id == ActivitySession.id)
                           .where(*in_month, col(Attendance.status).in_(PRESENT))
                           .group_by(ActivitySession.activity_id)).all())
    unknown = dict(s.exec(select(ActivitySession.activity_id, func.count(func.distinct(Attendance.child_id)))
                          .join(Activity, Activity.id == ActivitySession.activity_id)
                          .join(Attendance, Attendance.session_id == ActivitySession.id)
                          .join(Person, Person.id == Attendance.child_id)
                          .where(*in_month, col(Attendance.status).in_(PRESENT), col(Person.birth_date).is_(None))
                          .group_by(ActivitySession.activity_id)).all())
    days = dict(s.exec(select(ActivitySession.activity_id, func.count())
                       .join(Activity, Activity.id == ActivitySession.activity_id)
                       .where(*in_month, col(ActivitySession.closure_id).is_(None))
                       .group_by(ActivitySession.activity_id)).all())
    minutes: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    length = {a.id: a.end_minutes - a.start_minutes for a in activities}
    for activity_id, day, birth, count in grouped:
        minutes[activity_id][0 if _under_6(birth, day) else 1] += count * length[activity_id]
    return [(a.name, minutes[a.id][0], minutes[a.id][1], children.get(a.id, 0), days.get(a.id, 0), unknown.get(a.id, 0))
            for a in activities if children.get(a.id) or days.get(a.id)]


def caf_statistics(s: Session, *, actor: Actor, organization_id: int, month: str) -> list[CafRow]:
    """One row per activity open or attended in the month ("2026-09")."""
    actor.require_capability(organization_id, "activities")
    return [CafRow(name, _hours(under), _hours(over), kids, days, unknown)
            for name, under, over, kids, days, unknown in _figures(s, organization_id, month)]


def caf_export(s: Session, *, actor: Actor, organization_id: int, month: str, file_format: str) -> tuple[bytes, str]:
    """The month's statistics as Excel (hours as numbers) or PDF."""
    actor.require_capability(organization_id, "activities")
    if file_format not in ("xlsx", "pdf"):
        raise InvalidInput("Format inconnu (Excel ou PDF).", field="file_format")
    rows = _figures(s, organization_id, month)
    name = f"statistiques-caf-{month}.{file_format}"
    if file_format == "xlsx":
        return xlsx_bytes(HEADER, [(n, u / 60, o / 60, k, d, x) for n, u, o, k, d, x in rows], title="CAF"), name
    org = s.get(Organization, organization_id)
    return _pdf(org.legal_name or org.name, format_month(month_bounds(month)[0]), rows), name


def _pdf(organization: str, month: str, rows) -> bytes:
    from fpdf import FPDF

    from cityviz.services.billing.invoice_pdf import FONT, FONT_DIR

    pdf = FPDF(orientation="L")
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    pdf.set_font(FONT, "B", 14)
    pdf.cell(text=f"Statistiques CAF — {organization} — {month}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, "", 10)
    with pdf.table(col_widths=(70, 40, 40, 35, 35, 30), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT",
                                                                    "RIGHT")) as table:
        table.row(HEADER)
        for name, under, over, kids, days, unknown in rows:
            table.row([name, _hours(under), _hours(over), str(kids), str(days), str(unknown)])
    return bytes(pdf.output())
