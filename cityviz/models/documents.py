"""Required documents (pièces justificatives) and the files families send."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from cityviz.models.types import UTCDateTime


class DocumentRequirement(SQLModel, table=True):
    """A document an organization asks for, once per household or per child."""

    __tablename__ = "document_requirement"
    __table_args__ = (
        CheckConstraint("scope IN ('household','child')", name="ck_docreq_scope"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    name: str = Field(max_length=120)
    description: str = Field(default="", max_length=1000)
    scope: str = Field(max_length=10)
    mandatory: bool = True
    position: int = 0
    active: bool = True
    # How long an accepted document stays valid (document_validity.py): unlimited, school_year,
    # calendar_year, or months (validity_months from the document's date). Checked by the service.
    validity: str = Field(default="unlimited", max_length=15)
    validity_months: int = 0
    created_at: datetime = Field(sa_type=UTCDateTime)


class Document(SQLModel, table=True):
    """One uploaded file. A replaced file is kept (superseded), never overwritten."""

    __table_args__ = (
        CheckConstraint("status IN ('pending','accepted','refused')", name="ck_document_status"),
        CheckConstraint("size_bytes > 0 AND size_bytes <= 10485760", name="ck_document_size"),
        Index("ix_document_household_req", "household_id", "requirement_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    requirement_id: int = Field(foreign_key="document_requirement.id")
    household_id: int = Field(foreign_key="household.id")
    person_id: int | None = Field(default=None, foreign_key="person.id")  # None: household scope
    storage_key: str = Field(max_length=64, unique=True)
    original_name: str = Field(max_length=200)
    content_type: str = Field(max_length=40)
    size_bytes: int
    status: str = Field(default="pending", max_length=10)
    refusal_reason: str = Field(default="", max_length=1000)
    uploaded_at: datetime = Field(sa_type=UTCDateTime)
    uploaded_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    superseded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Last day the accepted document counts (None: no limit, or not accepted); the e-mail sent
    # to the family before that day.
    valid_until: date | None = Field(default=None, index=True)
    expiry_notice_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
