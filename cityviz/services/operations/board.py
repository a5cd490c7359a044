"""« Tâches »: the background jobs staff can follow (progress, failures) and retry.

Staff see the jobs of the organization they work on; the platform administrator
sees the platform's own (nightly maintenance, mail of no organization). A job's
label and error say what it is about without personal data beyond what the
organization's staff already read.
"""

from __future__ import annotations

import dataclasses

from sqlmodel import Session, col, func, select

from cityviz import clock, jobs
from cityviz.models import Job
from cityviz.services import audit
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import Conflict, NotFound
from cityviz.services.formatting import format_datetime

STATUS_LABELS = {"queued": "En attente", "running": "En cours", "retrying": "Nouvel essai prévu",
                 "succeeded": "Terminée", "failed": "Échec", "cancelled": "Annulée"}
FILTERS = {"": None, "active": ("queued", "running", "retrying"), "failed": ("failed",),
           "done": ("succeeded", "cancelled")}


@dataclasses.dataclass(frozen=True)
class JobRow:
    id: int
    label: str
    status: str
    status_label: str
    created_at: str
    when: str  # started, finished or planned, in words
    percent: int
    progress: str  # "120 / 300", "" when the job reports none
    result: str
    error: str
    attempts: str
    can_retry: bool


@dataclasses.dataclass(frozen=True)
class Board:
    rows: list[JobRow]
    total: int
    active: int
    failed: int


def _scope(actor: Actor, organization_id: int | None):
    if organization_id:
        actor.require_staff(organization_id)
        return Job.organization_id == organization_id
    actor.require_platform_admin()
    return col(Job.organization_id).is_(None)


def _when(job: Job) -> str:
    if job.status in ("queued", "retrying"):
        return ("Prévue le " if job.status == "queued" else "Nouvel essai le ") + format_datetime(job.run_after)
    if job.status == "running" and job.started_at:
        return "Commencée le " + format_datetime(job.started_at)
    if job.finished_at:
        return "Finie le " + format_datetime(job.finished_at)
    return ""


def _row(job: Job) -> JobRow:
    percent = round(100 * job.progress_done / job.progress_total) if job.progress_total else (
        100 if job.status == "succeeded" else 0)
    progress = f"{job.progress_done} / {job.progress_total}" if job.progress_total else ""
    return JobRow(id=job.id, label=job.label, status=job.status, status_label=STATUS_LABELS[job.status],
                  created_at=format_datetime(job.created_at), when=_when(job), percent=min(100, percent),
                  progress=job.progress_message or progress, result=job.result,
                  error=job.last_error if job.status in ("retrying", "failed") else "",
                  attempts=f"{job.attempts} essai(s) sur {job.max_attempts}",
                  can_retry=job.status in ("failed", "cancelled"))


def list_jobs(s: Session, *, actor: Actor, organization_id: int | None, status: str = "", page: int = 0,
              per_page: int = 20) -> Board:
    """The newest jobs first, one page; `status`: "", active, failed, done."""
    scope = _scope(actor, organization_id)
    query = select(Job).where(scope)
    if FILTERS.get(status):
        query = query.where(col(Job.status).in_(FILTERS[status]))
    total = s.exec(select(func.count()).select_from(query.subquery())).one()
    rows = s.exec(query.order_by(col(Job.created_at).desc(), col(Job.id).desc())
                  .offset(max(0, page) * per_page).limit(per_page)).all()
    counts = dict(s.exec(select(Job.status, func.count()).where(scope).group_by(Job.status)).all())
    return Board(rows=[_row(r) for r in rows], total=total,
                 active=sum(counts.get(k, 0) for k in FILTERS["active"]), failed=counts.get("failed", 0))


def retry(s: Session, *, actor: Actor, organization_id: int | None, job_id: int) -> None:
    """Run a failed job again (from a fresh count of attempts); written to the audit log."""
    _scope(actor, organization_id)
    job = s.get(Job, job_id)
    if job is None or job.organization_id != (organization_id or None):
        raise NotFound("Tâche introuvable.")
    if job.status not in ("failed", "cancelled"):
        raise Conflict("Seule une tâche en échec peut être relancée.")
    jobs.retry_job(s, job, run_after=clock.now())
    audit.record(s, actor=actor, action="job.retry", organization_id=job.organization_id, object_type="job",
                 object_id=job.id, name=job.name)
