"""Closing a month as a background job: staff ask, a worker issues the invoices chunk
after chunk (periods.issue_chunk, each its own transaction), the page and
« Tâches » follow its progress. A job interrupted or failed resumes where the
last committed chunk left it: the period's households are frozen at the start
and numbers are taken under the counter lock (see periods.py).
"""

from __future__ import annotations

import dataclasses

from sqlmodel import Session, func, select

from cityviz import db, jobs
from cityviz.models import BillingPeriod, Invoice, Job
from cityviz.services.accounts import auth
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing import periods
from cityviz.services.errors import AccessDenied
from cityviz.services.formatting import format_month

JOB = "billing.issue_period"


def _key(period_id: int) -> str:
    return f"{JOB}:{period_id}"


def request_issue(s: Session, *, actor: Actor, organization_id: int, month: str) -> int:
    """Start (or resume) the issuing of a month in the background; returns the job id.

    Asking again while it runs changes nothing; asking after it failed runs it again."""
    period_id = periods.start_issue(s, actor=actor, organization_id=organization_id, month=month)
    start, _end = periods.month_bounds(month)
    job = jobs.enqueue(s, JOB, organization_id=organization_id, created_by_id=actor.user_id,
                       label=f"Émission des factures de {format_month(start)}", unique_key=_key(period_id),
                       period_id=period_id)
    if job.status in ("failed", "cancelled"):
        jobs.retry_job(s, job)
    return job.id


@jobs.job(JOB, label="Émission des factures", retries=5, backoff=30)
def issue_period_job(ctx: jobs.JobContext, *, period_id: int) -> str:
    """Chunk after chunk, as the staff member who asked (their rights are checked again)."""
    if ctx.created_by_id is None:
        raise AccessDenied("Émission sans agent : lancez-la depuis la page Facturation.")
    with db.read() as s:
        actor = auth.actor_for_user(s, user_id=ctx.created_by_id)
    while True:
        with db.transaction() as s:
            progress = periods.issue_chunk(s, actor=actor, period_id=period_id)
            ctx.progress(progress.done, progress.total, f"{progress.done} foyer(s) sur {progress.total}", s=s)
        if progress.status == "issued":
            break
    with db.read() as s:
        issued = s.exec(select(func.count()).select_from(Invoice).where(Invoice.billing_period_id == period_id)).one()
    return f"{issued} facture(s) émise(s) et envoyée(s) aux familles."


@dataclasses.dataclass(frozen=True)
class IssueStatus:
    period_status: str  # open, issuing, issued
    done: int
    total: int
    job_status: str  # "" when no job was asked for
    job_error: str

    @property
    def active(self) -> bool:
        return self.job_status in ("queued", "running", "retrying")

    @property
    def problem(self) -> str:
        """What the billing page says when the job failed (French)."""
        if not self.job_error:
            return ""
        then = ("Nouvel essai automatique dans quelques instants." if self.job_status == "retrying"
                else "Relancez-la avec « Reprendre l'émission » ou depuis « Tâches ».")
        return f"L'émission a rencontré une erreur ({self.job_error}). {then}"


def issue_status(s: Session, *, actor: Actor, organization_id: int, month: str) -> IssueStatus:
    """Where the issuing of a month stands (cheap: read every second by the billing page)."""
    actor.require_capability(organization_id, "billing")
    start, _end = periods.month_bounds(month)
    period = s.exec(select(BillingPeriod).where(BillingPeriod.organization_id == organization_id,
                                                BillingPeriod.start_date == start)).first()
    if period is None:
        return IssueStatus("open", 0, 0, "", "")
    progress = periods.progress(s, actor=actor, period_id=period.id)
    job = s.exec(select(Job).where(Job.unique_key == _key(period.id))).first()
    return IssueStatus(period.status, progress.done, progress.total, job.status if job else "",
                       job.last_error if job and job.status in ("retrying", "failed") else "")
