"""Automatic reminders of unpaid invoices, every night (after the e-mails of the day).

An organization that sets « Relancer tous les N jours » in its régie settings has
each invoice still unpaid N days after its due date reminded, then again every N
days, three times at most; invoices collected by direct debit are left to the
bank. Staff still remind by hand from « Impayés » (same e-mail, same log).
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, func, select

from cityviz import clock, db, jobs
from cityviz.models import AuditEntry, Organization
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing import payments

MAX_AUTOMATIC = 3


@jobs.job("billing.nightly_reminders", label="Relances automatiques (toutes les organisations)",
          schedule="0 7 * * *")
def nightly_reminders(ctx: jobs.JobContext) -> str:
    """One job per organization that asks for reminders, so that each sees its own in « Tâches »."""
    day = clock.today().isoformat()
    with db.transaction() as s:
        orgs = s.exec(select(Organization.id).where(Organization.reminder_every_days > 0)).all()
        for org_id in orgs:
            jobs.enqueue(s, "billing.auto_reminders", organization_id=org_id,
                         unique_key=f"billing.auto_reminders:{org_id}:{day}", organization=org_id)
    return f"{len(orgs)} organisation(s) à relancer."


@jobs.job("billing.auto_reminders", label="Relances automatiques des impayés")
def auto_reminders(ctx: jobs.JobContext, *, organization: int) -> str:
    with db.transaction() as s:
        org = s.get(Organization, organization)
        every = org.reminder_every_days if org else 0
        if every <= 0:
            return "Relances automatiques désactivées."
        rows, _total = payments.unpaid_rows(s, organization)
        last = dict(s.exec(select(AuditEntry.object_id, func.max(AuditEntry.at)).where(
            AuditEntry.action == "invoice.reminder", AuditEntry.organization_id == organization,
            col(AuditEntry.object_id).in_([r.invoice_id for r in rows])).group_by(AuditEntry.object_id)).all()) \
            if rows else {}
        now = clock.now()
        due = [r for r in rows if r.days_late >= every and r.reminders < MAX_AUTOMATIC
               and (r.invoice_id not in last or now - last[r.invoice_id] >= timedelta(days=every) - timedelta(hours=1))]
        payments.remind(s, actor=Actor.system(), organization_id=organization, rows=due, automatic=True)
        ctx.progress(len(due), len(due), s=s)
    return f"{len(due)} relance(s) envoyée(s)."
