"""« Campagne d'inscription »: next school year's re-enrolment, opened by an organization."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from cityviz.models.types import UTCDateTime


class Campaign(SQLModel, table=True):
    """An organization's campaign for the school year starting in September of `school_year`."""

    __table_args__ = (
        UniqueConstraint("organization_id", "school_year", name="uq_campaign_org_year"),
        CheckConstraint("closes_on >= opens_on", name="ck_campaign_dates"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    school_year: int  # 2027 for 2027-2028
    opens_on: date
    closes_on: date
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")


class CampaignDossier(SQLModel, table=True):
    """A household's re-enrolment: this year's data copied at opening (`before`, JSON), what the
    family confirmed or corrected (`after`), the parts confirmed, staff's decision."""

    __tablename__ = "campaign_dossier"
    __table_args__ = (
        UniqueConstraint("campaign_id", "household_id", name="uq_campaign_dossier_household"),
        CheckConstraint("status IN ('not_started','in_progress','sent','validated')", name="ck_campaign_dossier_status"),
        Index("ix_campaign_dossier_status", "campaign_id", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    household_id: int = Field(foreign_key="household.id", index=True)
    family: str = Field(default="", max_length=170)  # the guardians' names, for lists
    status: str = Field(default="not_started", max_length=12)
    before: str = Field(sa_type=Text)
    after: str = Field(default="", sa_type=Text)
    confirmed: str = Field(default="", max_length=100)  # the parts confirmed, comma-separated
    correction_reason: str = Field(default="", max_length=1000)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_by_name: str = Field(default="", max_length=170)
    sent_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When the validated school level and school became the child's own, at the rentrée.
    applied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CampaignDocument(SQLModel, table=True):
    """A document sent again for the new school year (kept apart from this year's dossier until
    staff validate the re-enrolment)."""

    __tablename__ = "campaign_document"
    __table_args__ = (
        CheckConstraint("size_bytes > 0 AND size_bytes <= 10485760", name="ck_campaign_document_size"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="campaign_dossier.id", index=True)
    requirement_id: int = Field(foreign_key="document_requirement.id")
    person_id: int | None = Field(default=None, foreign_key="person.id")  # None: household scope
    storage_key: str = Field(max_length=64, unique=True)
    original_name: str = Field(max_length=200)
    content_type: str = Field(max_length=40)
    size_bytes: int
    uploaded_at: datetime = Field(sa_type=UTCDateTime)
    uploaded_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    superseded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CampaignActivity(SQLModel, table=True):
    """Next year's activity copied from this year's one."""

    __tablename__ = "campaign_activity"
    __table_args__ = (UniqueConstraint("campaign_id", "source_activity_id", name="uq_campaign_activity_source"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    source_activity_id: int = Field(foreign_key="activity.id")
    activity_id: int = Field(foreign_key="activity.id")
