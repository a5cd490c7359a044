"""Closing a billing period: preview, then issue — gap-free, crash-safe, never twice.

Issuing runs in chunks, each one transaction that (1) locks the organization's
counter row, (2) picks households of the period that have no invoice yet,
(3) inserts their invoices with the next numbers and (4) moves the counter.
A crash rolls back the current chunk entirely (numbers included), so running
again completes what is missing without duplicates or gaps; two staff issuing
at once are serialised by the counter lock, and the database refuses a second
invoice for a household and period.
"""

from __future__ import annotations

import calendar
import dataclasses
from datetime import date, timedelta

from sqlalchemy import func, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cityviz import clock, config
from cityviz.models import (
    AbsenceReport,
    ActivitySession,
    Attendance,
    BillingPeriod,
    BillingPeriodHousehold,
    Booking,
    DirectDebit,
    Invoice,
    InvoiceLine,
    Organization,
    OutboxEmail,
    Person,
    SepaMandate,
    User,
)
from cityviz.services import audit
from cityviz.services import email as mail
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing import credits, invoices, journal, period_lines
from cityviz.services.billing.invoices import DetailLine
from cityviz.services.billing.numbering import next_number
from cityviz.services.errors import Conflict, NotFound
from cityviz.services.formatting import format_date, format_money, format_month
from cityviz.services.inputs import month_bounds

CHUNK = 200


def invoice_number(period_start: date, value: int) -> str:
    return f"{period_start:%Y%m}{value:05d}"


# --- Preview -------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class PreviewInvoice:
    household_id: int
    payer: str
    total: str
    lines: list[DetailLine]


@dataclasses.dataclass(frozen=True)
class Preview:
    month: str
    label: str
    households: int
    lines: int
    total: str
    anomalies: list[str]
    invoices: list[PreviewInvoice]  # one page
    already_issued: int
    status: str
    not_over: str = ""  # why « Émettre les factures » is not offered yet ("" once the month is over)


NOT_OVER = "Une période se clôt une fois terminée : attendez le lendemain de sa dernière journée."


def _not_over(end: date) -> str:
    if end < clock.today():
        return ""
    return f"{NOT_OVER} Émission possible à partir du {format_date(end + timedelta(days=1))}."


def _anomalies(s: Session, organization_id: int, start: date, end: date, drafts: list) -> list[str]:
    unmarked = s.exec(
        select(ActivitySession.date, func.count())
        .join(Booking, Booking.session_id == ActivitySession.id)
        .outerjoin(Attendance, (Attendance.session_id == Booking.session_id) & (Attendance.child_id == Booking.child_id))
        .join(period_lines.Activity, period_lines.Activity.id == ActivitySession.activity_id)
        .where(period_lines.Activity.organization_id == organization_id, ActivitySession.date >= start,
               ActivitySession.date <= end, Booking.status == "booked", col(Attendance.id).is_(None),
               col(ActivitySession.closure_id).is_(None))
        .group_by(ActivitySession.date).order_by(ActivitySession.date)).all()
    notes = []
    if unmarked:
        days = ", ".join(f"{d:%d/%m}" for d, _n in unmarked[:12]) + (" …" if len(unmarked) > 12 else "")
        notes.append(f"Pointage incomplet : {sum(n for _d, n in unmarked)} réservation(s) sans pointage "
                     f"({days}) — facturées comme réservées.")
    pending = s.exec(select(func.count()).select_from(AbsenceReport).where(
        AbsenceReport.organization_id == organization_id, AbsenceReport.status == "reported",
        AbsenceReport.date_from <= end, AbsenceReport.date_to >= start)).one()
    if pending:
        notes.append(f"{pending} absence(s) signalée(s) par les familles à traiter (Absences) : tant qu'elles ne "
                     "sont pas acceptées, les séances sont facturées comme réservées.")
    no_address = [d.payer_name or f"foyer n° {d.household_id}" for d in drafts if not d.payer_address]
    if no_address:
        notes.append(f"{len(no_address)} foyer(s) sans adresse : {', '.join(no_address[:8])}"
                     + (" …" if len(no_address) > 8 else ""))
    no_qf = [d.payer_name for d in drafts if d.no_quotient]
    if no_qf:
        notes.append(f"{len(no_qf)} foyer(s) sans quotient familial (tarif le plus élevé) : "
                     + ", ".join(no_qf[:8]) + (" …" if len(no_qf) > 8 else ""))
    return notes


def preview_period(s: Session, *, actor: Actor, organization_id: int, month: str, page: int = 0,
                   per_page: int = 20) -> Preview:
    actor.require_capability(organization_id, "billing")
    start, end = month_bounds(month)
    drafts = period_lines.drafts_for(s, organization_id, start, end)
    period = s.exec(select(BillingPeriod).where(BillingPeriod.organization_id == organization_id,
                                                BillingPeriod.start_date == start)).first()
    issued = s.exec(select(func.count()).select_from(Invoice).where(Invoice.billing_period_id == period.id)).one() \
        if period else 0
    shown = drafts[page * per_page:(page + 1) * per_page]
    return Preview(
        month=month, label=format_month(start), households=len(drafts), lines=sum(len(d.lines) for d in drafts),
        total=format_money(sum(d.total_cents for d in drafts)), anomalies=_anomalies(s, organization_id, start, end,
                                                                                    drafts),
        invoices=[PreviewInvoice(household_id=d.household_id, payer=d.payer_name or f"Foyer n° {d.household_id}",
                                 total=format_money(d.total_cents),
                                 lines=[DetailLine.of(x) for x in d.lines])
                  for d in shown],
        already_issued=issued, status=period.status if period else "open", not_over=_not_over(end))


# --- Issue -----------------------------------------------------------------------------------

def start_issue(s: Session, *, actor: Actor, organization_id: int, month: str) -> int:
    """Open (or resume) the issuing of a period; returns the period id."""
    actor.require_capability(organization_id, "billing")
    start, end = month_bounds(month)
    if end >= clock.today():
        raise Conflict(_not_over(end))
    query = select(BillingPeriod).where(BillingPeriod.organization_id == organization_id,
                                        BillingPeriod.start_date == start).with_for_update()
    period = s.exec(query).first()
    if period is None:
        try:
            with s.begin_nested():  # two staff starting at once: one creates, the other resumes
                s.add(BillingPeriod(organization_id=organization_id, start_date=start, end_date=end))
        except IntegrityError:
            pass
        period = s.exec(query.execution_options(populate_existing=True)).one()
    if period.status == "issued":
        raise Conflict(f"La période de {format_month(start)} est déjà facturée.")
    if period.status == "open":
        period.status, period.started_at, period.started_by_id = "issuing", clock.now(), actor.user_id
        households = period_lines.billable_household_ids(s, organization_id, start, end)
        # Frozen now: every chunk takes the next ones from this list (an index, not the month again).
        if households:
            s.execute(insert(BillingPeriodHousehold.__table__),
                      [{"billing_period_id": period.id, "household_id": h, "done": False} for h in households])
        period.household_total = len(households)
        s.add(period)
        audit.record(s, actor=actor, action="billing.start", organization_id=organization_id,
                     object_type="billing_period", object_id=period.id, month=month,
                     households=period.household_total)
    return period.id


@dataclasses.dataclass(frozen=True)
class Progress:
    period_id: int
    status: str
    done: int
    total: int

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.done / self.total))


def progress(s: Session, *, actor: Actor, period_id: int) -> Progress:
    period = s.get(BillingPeriod, period_id)
    if period is None:
        raise NotFound("Période introuvable.")
    actor.require_capability(period.organization_id, "billing")
    return _progress(s, period)


def issue_chunk(s: Session, *, actor: Actor, period_id: int, limit: int = CHUNK) -> Progress:
    """Issue the next invoices of a period (one transaction; call again until done)."""
    period = s.exec(select(BillingPeriod).where(BillingPeriod.id == period_id).with_for_update()).first()
    if period is None:
        raise NotFound("Période introuvable.")
    actor.require_capability(period.organization_id, "billing")
    if period.status == "open":
        raise Conflict("Lancez d'abord l'émission de la période.")
    if period.status == "issuing":
        org = s.get(Organization, period.organization_id)
        next_number(s, org.id, period.start_date.year, "invoice", 0)  # lock the counter first
        todo = list(s.exec(select(BillingPeriodHousehold.household_id).where(
            BillingPeriodHousehold.billing_period_id == period.id, BillingPeriodHousehold.done == False)  # noqa: E712
            .order_by(BillingPeriodHousehold.household_id).limit(limit)).all())
        if todo:
            # A household may owe nothing after all (only justified absences): done, no invoice.
            drafts = [d for d in period_lines.drafts_for(s, org.id, period.start_date, period.end_date, todo)
                      if d.total_cents > 0]
            first = next_number(s, org.id, period.start_date.year, "invoice", len(drafts))
            _insert_invoices(s, actor, org, period, drafts, first)
            s.execute(update(BillingPeriodHousehold.__table__).where(
                BillingPeriodHousehold.__table__.c.billing_period_id == period.id,
                BillingPeriodHousehold.__table__.c.household_id.in_(todo)).values(done=True))
        else:
            period.status, period.completed_at = "issued", clock.now()
            s.add(period)
            audit.record(s, actor=actor, action="billing.issued", organization_id=org.id,
                         object_type="billing_period", object_id=period.id)
    return _progress(s, period)


def _progress(s: Session, period: BillingPeriod) -> Progress:
    done = s.exec(select(func.count()).select_from(BillingPeriodHousehold).where(
        BillingPeriodHousehold.billing_period_id == period.id, BillingPeriodHousehold.done == True)).one()  # noqa: E712
    return Progress(period.id, period.status, done, period.household_total)


def _debit_day(org: Organization, issued: date) -> date:
    """The organization's direct-debit day, at least a week after issue (SEPA notice)."""
    day = issued + timedelta(days=7)
    target = date(day.year, day.month, min(org.direct_debit_day, calendar.monthrange(day.year, day.month)[1]))
    if target < day:
        month = day.month % 12 + 1
        year = day.year + (day.month == 12)
        target = date(year, month, min(org.direct_debit_day, calendar.monthrange(year, month)[1]))
    return target


def _insert_invoices(s: Session, actor: Actor, org: Organization, period: BillingPeriod, drafts: list,
                     first: int) -> None:
    now, today = clock.now(), clock.today()
    mandates = dict(s.exec(select(SepaMandate.household_id, SepaMandate.id).where(
        SepaMandate.organization_id == org.id, col(SepaMandate.revoked_at).is_(None),
        col(SepaMandate.household_id).in_([d.household_id for d in drafts]))).all())
    debit_on = _debit_day(org, today)
    rows = [dict(organization_id=org.id, household_id=d.household_id, billing_period_id=period.id,
                 number=invoice_number(period.start_date, first + i), counter_year=period.start_date.year,
                 counter_value=first + i, label=d.label, issued_at=now,
                 due_date=today + timedelta(days=org.invoice_due_days), payer_name=d.payer_name,
                 payer_address=d.payer_address, total_cents=d.total_cents,
                 direct_debit_on=debit_on if d.household_id in mandates else None)
            for i, d in enumerate(drafts)]
    if not rows:
        return
    # A plain executemany (RETURNING would make SQLite insert row by row), then the ids.
    s.execute(insert(Invoice.__table__), rows)
    ids = dict(s.execute(select(Invoice.household_id, Invoice.id).where(
        Invoice.billing_period_id == period.id,
        col(Invoice.household_id).in_([r["household_id"] for r in rows]))).all())
    s.execute(insert(InvoiceLine.__table__), [
        dict(invoice_id=ids[d.household_id], position=n, child_id=x.child_id, child_name=x.child_name,
             activity_id=x.activity_id, label=x.label, date_from=x.date_from, date_to=x.date_to,
             quantity=x.quantity, unit_price_cents=x.unit_price_cents, surcharge_cents=x.surcharge_cents,
             total_cents=x.total_cents)
        for d in drafts for n, x in enumerate(d.lines, start=1)])
    debits = [dict(organization_id=org.id, invoice_id=ids[d.household_id], mandate_id=mandates[d.household_id],
                   amount_cents=d.total_cents, due_date=debit_on, status="pending")
              for d in drafts if d.household_id in mandates]
    if debits:
        s.execute(insert(DirectDebit.__table__), debits)
    journal.record_many(s, actor=actor, organization_id=org.id, kind="invoice", entries=[
        dict(household_id=r["household_id"], payer=r["payer_name"], reference=r["number"],
             amount_cents=r["total_cents"], label=f"Facture n°{r['number']} — {r['label']}") for r in rows])
    credits.apply_available_credit(s, household_ids=list(ids), organization_id=org.id)
    _announce(s, org, rows, ids)


def _announce(s: Session, org: Organization, rows: list[dict], invoice_ids: dict[int, int]) -> None:
    """One e-mail per household, in the same transaction (sent after commit), with the invoice's
    PDF if the régie says so."""
    by_household = {r["household_id"]: r for r in rows}
    recipients = s.exec(select(Person.household_id, User.email).join(User, User.person_id == Person.id)
                        .where(col(Person.household_id).in_(list(by_household)), User.is_active == True)).all()  # noqa: E712
    if not recipients:
        return
    pdfs = ({h: invoices.stored_pdf(s, s.get(Invoice, invoice_ids[h])) for h in {h for h, _a in recipients}}
            if org.email_invoice_pdf else {})
    url, now = config.get().public_url, clock.now()
    job_id = mail.delivery_job_id(s, organization_id=org.id)
    messages = []
    for household_id, address in recipients:
        row = by_household[household_id]
        pay = (f"Elle sera prélevée le {format_date(row['direct_debit_on'])}." if row["direct_debit_on"]
               else f"À régler avant le {format_date(row['due_date'])}, en ligne depuis le portail.")
        messages.append(dict(
            to_address=address, subject=f"Votre facture n° {row['number']} – {org.name}",
            body=(f"Bonjour,\n\n{org.name} a émis votre facture n° {row['number']} "
                  f"({row['label'][0].lower() + row['label'][1:]}) d'un montant de {format_money(row['total_cents'])}.\n"
                  f"{pay}\n\nConsultez-la et téléchargez-la (PDF) : {url}/factures\n"),
            organization_id=org.id, action_label="Voir ma facture",
            attachment_name=pdfs[household_id][0] if pdfs else "",
            attachment_key=pdfs[household_id][1] if pdfs else None,
            created_at=now, attempts=0, last_error="", job_id=job_id))
    s.execute(insert(OutboxEmail.__table__), messages)


def issue_all(s_factory, *, actor: Actor, organization_id: int, month: str, on_progress=None,
              chunk: int = CHUNK) -> Progress:
    """Start and finish a period, chunk after chunk (each its own transaction)."""
    with s_factory() as s:
        period_id = start_issue(s, actor=actor, organization_id=organization_id, month=month)
    while True:
        with s_factory() as s:
            state = issue_chunk(s, actor=actor, period_id=period_id, limit=chunk)
        if on_progress is not None:
            on_progress(state)
        if state.status == "issued":
            return state

