"""Personal data retention (RGPD): account deletion requests and archive purges."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from cityviz.models.types import UTCDateTime


class AccountDeletionRequest(SQLModel, table=True):
    """« Supprimer mon compte »: a parent asks, staff of one of the household's
    organizations confirm (the household is then anonymised) or refuse with a reason."""

    __tablename__ = "account_deletion_request"
    __table_args__ = (
        CheckConstraint("status IN ('pending','confirmed','refused','cancelled')", name="ck_deletion_status"),
        Index("ix_deletion_household_status", "household_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id")
    requested_by_id: int = Field(foreign_key="user_account.id")
    requested_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default="pending", max_length=10)
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    organization_id: int | None = Field(default=None, foreign_key="organization.id")  # who decided
    refusal_reason: str = Field(default="", max_length=500)


class ArchivePurge(SQLModel, table=True):
    """One purge of financial documents past their 10-year retention.

    Issued invoices and credit notes are append-only: the database triggers
    refuse any DELETE unless an open purge row (finished_at NULL) covers the
    document's issue date. The purge inserts this row, deletes and closes it
    in one transaction, so no other transaction ever sees it open; the row
    stays as the trace of what was removed (counts only, no personal data).
    """

    __tablename__ = "archive_purge"

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    issued_before: date  # documents issued before this date (1 January, ten years back)
    invoices: int = 0
    credit_notes: int = 0
    payments: int = 0
    households: int = 0
