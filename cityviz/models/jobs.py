"""Background jobs: one row per job, the durable record staff read in « Tâches ».

The row is written in the same transaction as what asks for the work (an
invoice run, the e-mails of a transaction), so the work is never lost nor
done for a change that was rolled back. Whatever transports it to a worker
(procrastinate on PostgreSQL, the in-process runner on SQLite) only carries
its id; attempts, progress and failures live here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from cityviz.models.types import UTCDateTime

JOB_STATUSES = ("queued", "running", "retrying", "succeeded", "failed", "cancelled")


class Job(SQLModel, table=True):
    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued','running','retrying','succeeded','failed','cancelled')", name="ck_job_status"
        ),
        CheckConstraint("attempts >= 0 AND max_attempts >= 1", name="ck_job_attempts"),
        CheckConstraint("progress_done >= 0 AND progress_total >= 0", name="ck_job_progress"),
        Index("ix_job_due", "status", "run_after"),
        Index("ix_job_org_created", "organization_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)  # the registered job ("billing.issue_period")
    label: str = Field(max_length=200)  # what staff read (« Émission des factures de sept. 2026 »)
    organization_id: int | None = Field(default=None, foreign_key="organization.id")
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    args: str = Field(default="{}")  # JSON keyword arguments of the job function
    # At most one job per key: one run per period, one per scheduled slot…
    unique_key: str | None = Field(default=None, max_length=160, unique=True)
    status: str = Field(default="queued", max_length=10)
    attempts: int = 0
    max_attempts: int = 5
    run_after: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    heartbeat_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    progress_done: int = 0
    progress_total: int = 0
    progress_message: str = Field(default="", max_length=200)
    result: str = Field(default="", max_length=500)  # French summary of what was done
    last_error: str = Field(default="", max_length=2000)
