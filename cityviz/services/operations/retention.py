"""Personal data retention (RGPD), every night.

1. A household with no activity — no activity registration, no booking, no
   dossier activity (dossier, documents), no message written — for N years is anonymised
   (anonymisation.py). N is the « durée de conservation » of its organizations
   (`Organization.retention_years`, 3 by default; the longest when it is known to
   several). A household that still owes money is kept while the debt is open.
2. Financial documents are kept ten years after the end of the year they were
   issued in (accounting law), with the payer's name and address copied on them.
   Issued invoices and credit notes are append-only: the database refuses any
   DELETE unless an `archive_purge` row, open only inside the purge's own
   transaction, covers their issue date. The purge removes, for anonymised
   households whose last financial document is older than that, their invoices,
   credit notes, payments, refunds, debits and mandates; the row stays as the
   trace (counts only), with an audit entry.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time

from sqlalchemy import delete
from sqlmodel import Session, col, func, select

from cityviz import clock, db, jobs
from cityviz.models import (
    ActivityRegistration,
    ActivitySession,
    ArchivePurge,
    BillingPeriodHousehold,
    Booking,
    CreditAllocation,
    CreditNote,
    CreditNoteLine,
    DirectDebit,
    Document,
    Enrollment,
    Household,
    Invoice,
    InvoiceLine,
    Message,
    OnlinePayment,
    Organization,
    Payment,
    PaymentAllocation,
    Refund,
    SepaMandate,
)
from cityviz.services import audit
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing import ledger
from cityviz.services.operations import anonymisation

DEFAULT_YEARS = 3
ARCHIVE_YEARS = 10
CHUNK = 100


def _years_ago(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59), tzinfo=clock.PARIS)


def last_activity(s: Session) -> dict[int, datetime]:
    """The latest sign of activity of every household not anonymised yet (its creation at least)."""
    last = {h: created for h, created in s.exec(select(Household.id, Household.created_at)
                                                .where(col(Household.anonymised_at).is_(None))).all()}

    def bump(rows) -> None:
        for household_id, moment in rows:
            if household_id in last and moment is not None:
                moment = _end_of(moment) if not isinstance(moment, datetime) else moment
                last[household_id] = max(last[household_id], moment)

    bump(s.exec(select(Booking.household_id, func.max(Booking.updated_at)).group_by(Booking.household_id)).all())
    bump(s.exec(select(Booking.household_id, func.max(ActivitySession.date))  # a date booked ahead counts
                .join(ActivitySession, ActivitySession.id == Booking.session_id)
                .where(Booking.status != "cancelled").group_by(Booking.household_id)).all())
    for column in (ActivityRegistration.requested_at, ActivityRegistration.decided_at):
        bump(s.exec(select(ActivityRegistration.household_id, func.max(column))
                    .group_by(ActivityRegistration.household_id)).all())
    for model, column in ((Enrollment, Enrollment.updated_at), (Document, Document.uploaded_at)):
        bump(s.exec(select(model.household_id, func.max(column)).group_by(model.household_id)).all())
    bump(s.exec(select(Message.household_id, func.max(Message.created_at))  # what the town writes does not count
                .where(Message.author_kind == "family").group_by(Message.household_id)).all())
    return last


def _retention_years(s: Session, household_ids: list[int]) -> dict[int, int]:
    """Per household, the longest retention of the organizations that know it."""
    years = dict(s.exec(select(Organization.id, Organization.retention_years)).all())
    known: dict[int, set[int]] = {h: set() for h in household_ids}
    for query in (select(Enrollment.household_id, Enrollment.organization_id),
                  select(Invoice.household_id, Invoice.organization_id),
                  select(Household.id, Household.created_by_organization_id)):
        for household_id, org_id in s.exec(query.distinct()).all():
            if household_id in known and org_id is not None:
                known[household_id].add(org_id)
    return {h: max((years.get(o, DEFAULT_YEARS) for o in orgs), default=DEFAULT_YEARS) for h, orgs in known.items()}


def _owing(s: Session, household_ids: list[int]) -> set[int]:
    owing: set[int] = set()
    for start in range(0, len(household_ids), 500):
        invoices = s.exec(select(Invoice).where(col(Invoice.household_id).in_(household_ids[start:start + 500]))).all()
        remaining = ledger.remaining_by_invoice(s, invoices)
        owing |= {i.household_id for i in invoices if remaining[i.id] > 0}
    return owing


def inactive_households(s: Session, now: datetime | None = None) -> list[int]:
    """Households to anonymise now, oldest activity first."""
    now = now or clock.now()
    last = last_activity(s)
    years = _retention_years(s, list(last))
    due = [h for h, moment in last.items() if moment < _years_ago(now, years[h])]
    owing = _owing(s, due)
    return sorted((h for h in due if h not in owing), key=lambda h: (last[h], h))


# --- Archives past ten years ----------------------------------------------------------------

def archive_cutoff(today: date) -> date:
    """Documents issued before this date are past their ten years (counted from the end of their year)."""
    return date(today.year - ARCHIVE_YEARS, 1, 1)


def purgeable_households(s: Session, today: date | None = None) -> list[int]:
    """Anonymised households whose every financial document predates the cutoff."""
    cutoff = archive_cutoff(today or clock.today())
    cutoff_at = datetime.combine(cutoff, time(0), tzinfo=clock.PARIS)
    anonymised = set(s.exec(select(Household.id).where(col(Household.anonymised_at).is_not(None))).all())
    latest: dict[int, bool] = {}  # household -> all documents old enough
    sources = ((Invoice, Invoice.issued_at, cutoff_at), (CreditNote, CreditNote.issued_at, cutoff_at),
               (Payment, Payment.received_on, cutoff), (Refund, Refund.refunded_on, cutoff),
               (OnlinePayment, OnlinePayment.created_at, cutoff_at))
    for model, column, threshold in sources:
        for household_id, newest in s.exec(select(model.household_id, func.max(column))
                                           .group_by(model.household_id)).all():
            if household_id in anonymised:
                latest[household_id] = latest.get(household_id, True) and newest < threshold
    return sorted(h for h, old in latest.items() if old)


@dataclasses.dataclass(frozen=True)
class PurgeCounts:
    households: int = 0
    invoices: int = 0
    credit_notes: int = 0
    payments: int = 0


def purge_archives(s: Session, *, actor: Actor, household_ids: list[int]) -> PurgeCounts:
    """Delete the financial records of these households, under an open archive_purge row that
    the database triggers require (closed before the transaction commits)."""
    if not household_ids:
        return PurgeCounts()
    now = clock.now()
    purge = ArchivePurge(started_at=now, issued_before=archive_cutoff(clock.today()))
    s.add(purge)
    s.flush()
    invoices = list(s.exec(select(Invoice.id).where(col(Invoice.household_id).in_(household_ids))).all())
    notes = list(s.exec(select(CreditNote.id).where(col(CreditNote.household_id).in_(household_ids))).all())
    paid = list(s.exec(select(Payment.id).where(col(Payment.household_id).in_(household_ids))).all())
    mine = col(OnlinePayment.household_id).in_(household_ids)
    s.execute(delete(CreditAllocation).where(col(CreditAllocation.credit_note_id).in_(notes)
                                             | col(CreditAllocation.invoice_id).in_(invoices)))
    s.execute(delete(PaymentAllocation).where(col(PaymentAllocation.invoice_id).in_(invoices)
                                              | col(PaymentAllocation.payment_id).in_(paid)))
    s.execute(delete(DirectDebit).where(col(DirectDebit.invoice_id).in_(invoices)))
    s.execute(delete(OnlinePayment).where(mine))
    s.execute(delete(CreditNoteLine).where(col(CreditNoteLine.credit_note_id).in_(notes)))
    s.execute(delete(CreditNote).where(col(CreditNote.id).in_(notes)))
    s.execute(delete(InvoiceLine).where(col(InvoiceLine.invoice_id).in_(invoices)))
    s.execute(delete(Invoice).where(col(Invoice.id).in_(invoices)))
    s.execute(delete(Payment).where(col(Payment.id).in_(paid)))
    s.execute(delete(Refund).where(col(Refund.household_id).in_(household_ids)))
    s.execute(delete(SepaMandate).where(col(SepaMandate.household_id).in_(household_ids)))
    s.execute(delete(BillingPeriodHousehold).where(col(BillingPeriodHousehold.household_id).in_(household_ids)))
    counts = PurgeCounts(len(household_ids), len(invoices), len(notes), len(paid))
    purge.households, purge.invoices, purge.credit_notes, purge.payments = (counts.households, counts.invoices,
                                                                             counts.credit_notes, counts.payments)
    purge.finished_at = clock.now()  # closed: from now on the triggers refuse again
    s.add(purge)
    s.flush()
    audit.record(s, actor=actor, action="archives.purge", object_type="archive_purge", object_id=purge.id,
                 issued_before=purge.issued_before, **dataclasses.asdict(counts))
    return counts


@jobs.job("operations.retention", label="Conservation des données (RGPD)", schedule="30 3 * * *", retries=3)
def retention_job(ctx: jobs.JobContext) -> str:
    """Anonymise the inactive households, then purge the archives past ten years."""
    with db.read() as s:
        todo = inactive_households(s)
    actor = Actor.system()
    for start in range(0, len(todo), CHUNK):
        with db.transaction() as s:
            for household_id in todo[start:start + CHUNK]:
                anonymisation.anonymise_household(s, actor=actor, household_id=household_id, reason="retention")
            ctx.progress(min(start + CHUNK, len(todo)), len(todo), "Anonymisation des foyers inactifs", s=s)
    with db.read() as s:
        old = purgeable_households(s)
    purged = PurgeCounts()
    for start in range(0, len(old), CHUNK):
        with db.transaction() as s:
            counts = purge_archives(s, actor=actor, household_ids=old[start:start + CHUNK])
        purged = PurgeCounts(*(a + b for a, b in zip(dataclasses.astuple(purged), dataclasses.astuple(counts),
                                                      strict=True)))
    return (f"{len(todo)} foyer(s) anonymisé(s) ; archives de plus de dix ans : {purged.invoices} facture(s), "
            f"{purged.credit_notes} avoir(s), {purged.payments} paiement(s) supprimé(s).")
