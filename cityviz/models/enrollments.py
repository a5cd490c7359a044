"""Dossiers d'inscription: a person registered with an organization."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from cityviz.models.types import UTCDateTime

ENROLLMENT_STATUSES = ("draft", "submitted", "validated", "rejected")
_STATUS_CHECK = "status IN ('draft','submitted','validated','rejected')"


class Enrollment(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("person_id", "organization_id", name="uq_enrollment_person_org"),
        CheckConstraint(_STATUS_CHECK, name="ck_enrollment_status"),
        Index("ix_enrollment_org_status", "organization_id", "status", "updated_at"),
        Index("ix_enrollment_org_updated", "organization_id", "updated_at", "id"),  # "all" filter
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    household_id: int = Field(foreign_key="household.id", index=True)
    organization_id: int = Field(foreign_key="organization.id")
    status: str = Field(default="draft", max_length=10)
    rejection_reason: str = Field(default="", max_length=1000)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")


class EnrollmentEvent(SQLModel, table=True):
    """Status history of a dossier."""

    __tablename__ = "enrollment_event"

    id: int | None = Field(default=None, primary_key=True)
    enrollment_id: int = Field(foreign_key="enrollment.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, foreign_key="user_account.id")
    from_status: str = Field(default="", max_length=10)
    to_status: str = Field(max_length=10)
    reason: str = Field(default="", max_length=1000)
