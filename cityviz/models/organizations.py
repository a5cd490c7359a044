"""Organizations (town halls, associations), their staff and billing settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from cityviz.models.types import UTCDateTime


class Organization(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    slug: str = Field(max_length=120, unique=True)
    postal_code: str = Field(max_length=5, index=True)
    city: str = Field(max_length=120)
    logo_key: str | None = Field(default=None, max_length=64)
    is_demo: bool = False
    created_at: datetime = Field(sa_type=UTCDateTime)
    school_zone: str = Field(default="", max_length=1)  # zone of school holidays: A, B, C ("" unknown)
    # Régie: what invoices carry and how they are paid.
    legal_name: str = Field(default="", max_length=200)
    legal_address: str = Field(default="", max_length=300)
    siret: str = Field(default="", max_length=14)
    invoice_due_days: int = Field(default=30)
    payment_backend: str = Field(default="", max_length=20)  # eopayment kind, "" = none
    payment_options: str = Field(default="{}")  # JSON, backend settings
    sepa_creditor_id: str = Field(default="", max_length=35)
    sepa_iban: str = Field(default="", max_length=34)
    sepa_bic: str = Field(default="", max_length=11)
    direct_debit_day: int = Field(default=10)
    # Automatic reminders of unpaid invoices: every N days past the due date (0: none), at most 3.
    reminder_every_days: int = Field(default=0)
    # The invoice and credit note e-mails carry the PDF.
    email_invoice_pdf: bool = Field(default=False)
    # RGPD: a household with no activity for this many years is anonymised.
    retention_years: int = Field(default=3)
    # « Autorisations » the town asks of families, among image, leave_alone, pickups, emergency_care,
    # transport (comma-separated; all five by default).
    asked_authorizations: str = Field(default="image,leave_alone,pickups,emergency_care,transport", max_length=80)


class StaffMembership(SQLModel, table=True):
    """A staff member's role in one organization."""

    __tablename__ = "staff_membership"
    __table_args__ = (
        UniqueConstraint("user_id", "organization_id", name="uq_staff_user_org"),
        CheckConstraint("role IN ('agent','admin','animateur','regisseur')", name="ck_staff_role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id")
    organization_id: int = Field(foreign_key="organization.id", index=True)
    role: str = Field(max_length=10)
    created_at: datetime = Field(sa_type=UTCDateTime)


class StaffActivity(SQLModel, table=True):
    """An activity assigned to an animateur (their attendance and daily lists)."""

    __tablename__ = "staff_activity"
    __table_args__ = (UniqueConstraint("user_id", "activity_id", name="uq_staff_activity"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
