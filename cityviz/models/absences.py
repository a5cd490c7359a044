"""Absences reported by parents (« Signaler une absence ») and the staff's decision."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from cityviz.models.types import UTCDateTime


class AbsenceReport(SQLModel, table=True):
    """A child's absence over one or more dates, for one organization's activities.

    Reported by a guardian (even past the cancellation deadline), with a reason and
    optionally a medical certificate (stored like the dossier's documents); staff
    accept or refuse it. The decision writes the attendance of the sessions it
    covers, which is what billing reads.
    """

    __tablename__ = "absence_report"
    __table_args__ = (
        CheckConstraint("reason IN ('illness','other')", name="ck_absence_reason"),
        CheckConstraint("status IN ('reported','accepted','refused')", name="ck_absence_status"),
        CheckConstraint("date_to >= date_from", name="ck_absence_dates"),
        CheckConstraint("status <> 'refused' OR decision_reason <> ''", name="ck_absence_refusal_reason"),
        CheckConstraint("certificate_size IS NULL OR (certificate_size > 0 AND certificate_size <= 10485760)",
                        name="ck_absence_certificate_size"),
        Index("ix_absence_org_status", "organization_id", "status"),
        Index("ix_absence_child_dates", "child_id", "date_from"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    household_id: int = Field(foreign_key="household.id", index=True)
    child_id: int = Field(foreign_key="person.id")
    date_from: date
    date_to: date
    reason: str = Field(max_length=10)
    comment: str = Field(default="", max_length=1000)
    status: str = Field(default="reported", max_length=10)
    decision_reason: str = Field(default="", max_length=1000)
    certificate_key: str | None = Field(default=None, max_length=64, unique=True)
    certificate_name: str = Field(default="", max_length=200)
    certificate_type: str = Field(default="", max_length=40)
    certificate_size: int | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
