"""Reading the régie's journal: « Journal de la régie » for the régisseur.

Every money event in order, filtered by dates, kind and family; and the totals per
payment method for the chosen days — what the régisseur hands over with the takings
(received, minus reversals, minus refunds). Exported as CSV and PDF.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta

from fpdf import FPDF
from sqlalchemy import func
from sqlmodel import Session, col, select

from cityviz import clock
from cityviz.models import Organization, RegieJournalEntry
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing.invoice_pdf import FONT, FONT_DIR
from cityviz.services.billing.journal import KIND_LABELS, METHOD_LABELS
from cityviz.services.errors import InvalidInput
from cityviz.services.exports import csv_bytes
from cityviz.services.formatting import format_date, format_money

PAGE_SIZE = 50
MAX_DAYS = 366


@dataclasses.dataclass(frozen=True)
class JournalFilter:
    date_from: date
    date_to: date
    kind: str = ""  # one of KIND_LABELS, or "" for all
    family: str = ""  # part of the payer's name


@dataclasses.dataclass(frozen=True)
class JournalRow:
    at: str  # "05/10/2026 14:03"
    kind: str
    payer: str
    method: str
    reference: str
    amount: str
    label: str
    actor: str


@dataclasses.dataclass(frozen=True)
class MethodTotal:
    method: str
    received: str
    reversed: str
    refunded: str
    net: str


@dataclasses.dataclass(frozen=True)
class JournalPage:
    rows: list[JournalRow]
    total_rows: int
    totals: list[MethodTotal]
    net: str  # all methods


def _checked(f: JournalFilter) -> JournalFilter:
    if f.date_to < f.date_from:
        raise InvalidInput("La date de fin précède la date de début.", field="date_to")
    if (f.date_to - f.date_from).days >= MAX_DAYS:
        raise InvalidInput("Choisissez une période d'un an au plus.", field="date_from")
    if f.kind and f.kind not in KIND_LABELS:
        raise InvalidInput("Type d'opération inconnu.", field="kind")
    if len(f.family) > 80:
        raise InvalidInput("Nom de famille : 80 caractères au plus.", field="family")
    return f


def _where(organization_id: int, f: JournalFilter) -> list:
    start = datetime.combine(f.date_from, time(0), clock.PARIS)
    end = datetime.combine(f.date_to + timedelta(days=1), time(0), clock.PARIS)
    where = [RegieJournalEntry.organization_id == organization_id, RegieJournalEntry.at >= start,
             RegieJournalEntry.at < end]
    if f.kind:
        where.append(RegieJournalEntry.kind == f.kind)
    if f.family.strip():
        where.append(func.lower(RegieJournalEntry.payer).contains(f.family.strip().lower()))
    return where


def _row(e: RegieJournalEntry) -> JournalRow:
    at = e.at.astimezone(clock.PARIS)
    return JournalRow(f"{format_date(at.date())} {at:%H:%M}", KIND_LABELS[e.kind], e.payer,
                      METHOD_LABELS.get(e.method, ""), e.reference, format_money(e.amount_cents) if e.amount_cents
                      else "", e.label, e.actor_name)


def _totals(s: Session, organization_id: int, f: JournalFilter) -> tuple[list[MethodTotal], int]:
    """Takings per method over the days (the kind and family filters do not apply)."""
    days = JournalFilter(f.date_from, f.date_to)
    sums = s.exec(select(RegieJournalEntry.method, RegieJournalEntry.kind, func.sum(RegieJournalEntry.amount_cents))
                  .where(*_where(organization_id, days),
                         col(RegieJournalEntry.kind).in_(["payment", "reversal", "refund"]))
                  .group_by(RegieJournalEntry.method, RegieJournalEntry.kind)).all()
    per: dict[str, dict[str, int]] = {}
    for method, kind, amount in sums:
        per.setdefault(method, {})[kind] = int(amount or 0)
    out, grand = [], 0
    for method in [m for m in METHOD_LABELS if m in per]:
        got = per[method]
        net = got.get("payment", 0) - got.get("reversal", 0) - got.get("refund", 0)
        grand += net
        out.append(MethodTotal(METHOD_LABELS[method], format_money(got.get("payment", 0)),
                               format_money(got.get("reversal", 0)), format_money(got.get("refund", 0)),
                               format_money(net)))
    return out, grand


def journal(s: Session, *, actor: Actor, organization_id: int, filters: JournalFilter, page: int = 0) -> JournalPage:
    """One page of the journal, oldest first, and the period's takings per method."""
    actor.require_capability(organization_id, "journal")
    f = _checked(filters)
    where = _where(organization_id, f)
    count = s.exec(select(func.count()).select_from(RegieJournalEntry).where(*where)).one()
    entries = s.exec(select(RegieJournalEntry).where(*where).order_by(RegieJournalEntry.at, RegieJournalEntry.id)
                     .offset(max(page, 0) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    totals, grand = _totals(s, organization_id, f)
    return JournalPage([_row(e) for e in entries], count, totals, format_money(grand))


def _all_rows(s: Session, organization_id: int, f: JournalFilter) -> list[JournalRow]:
    entries = s.exec(select(RegieJournalEntry).where(*_where(organization_id, f))
                     .order_by(RegieJournalEntry.at, RegieJournalEntry.id)).all()
    return [_row(e) for e in entries]


HEADER = ["Date", "Opération", "Famille", "Mode", "Référence", "Montant", "Détail", "Par"]


def journal_csv(s: Session, *, actor: Actor, organization_id: int, filters: JournalFilter) -> bytes:
    actor.require_capability(organization_id, "journal")
    f = _checked(filters)
    return csv_bytes(HEADER, ([r.at, r.kind, r.payer, r.method, r.reference, r.amount, r.label, r.actor]
                              for r in _all_rows(s, organization_id, f)))


def journal_pdf(s: Session, *, actor: Actor, organization_id: int, filters: JournalFilter) -> bytes:
    """The journal and the takings per method, to sign and hand over with the cash."""
    actor.require_capability(organization_id, "journal")
    f = _checked(filters)
    org = s.get(Organization, organization_id)
    rows = _all_rows(s, organization_id, f)
    totals, grand = _totals(s, organization_id, f)
    pdf = FPDF(orientation="L", format="A4")
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    pdf.set_font(FONT, "B", 14)
    pdf.cell(0, 8, (f"Journal de la régie — {org.legal_name or org.name}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    pdf.cell(0, 6, (f"Du {format_date(f.date_from)} au {format_date(f.date_to)} — édité le "
                          f"{format_date(clock.today())}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FONT, "B", 10)
    pdf.cell(0, 6, ("Encaissements par mode de paiement"), new_x="LMARGIN", new_y="NEXT")
    widths = (60, 45, 45, 45, 45)
    _table(pdf, widths, ("Mode", "Encaissé", "Rejeté", "Remboursé", "Net"),
           [(t.method, t.received, t.reversed, t.refunded, t.net) for t in totals]
           + [("Total", "", "", "", format_money(grand))])
    pdf.ln(3)
    pdf.set_font(FONT, "B", 10)
    pdf.cell(0, 6, (f"Opérations ({len(rows)})"), new_x="LMARGIN", new_y="NEXT")
    _table(pdf, (28, 32, 45, 30, 34, 24, 70, 10 + 14),
           ("Date", "Opération", "Famille", "Mode", "Référence", "Montant", "Détail", "Par"),
           [(r.at, r.kind, r.payer, r.method, r.reference, r.amount, r.label, r.actor) for r in rows])
    return bytes(pdf.output())


def _table(pdf: FPDF, widths, header, rows) -> None:
    pdf.set_font(FONT, "B", 8)
    for w, h in zip(widths, header, strict=True):
        pdf.cell(w, 6, (h), border=1)
    pdf.ln()
    pdf.set_font(FONT, "", 8)
    for row in rows:
        for w, value in zip(widths, row, strict=True):
            text = (str(value))
            while text and pdf.get_string_width(text) > w - 2:
                text = text[:-1]
            pdf.cell(w, 5, text, border=1)
        pdf.ln()

