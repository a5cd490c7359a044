"""Audit log of staff and administrator actions: who, when, what."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from cityviz.models.types import UTCDateTime


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_org_at", "organization_id", "at"),
                      Index("ix_audit_household_at", "household_id", "at"))

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, foreign_key="user_account.id")
    organization_id: int | None = Field(default=None, foreign_key="organization.id")
    action: str = Field(max_length=60)  # "enrollment.validate", "invoice.issue"…
    object_type: str = Field(default="", max_length=40)
    object_id: int | None = None
    household_id: int | None = Field(default=None, foreign_key="household.id")  # the family concerned
    details: str = Field(default="{}")  # JSON
