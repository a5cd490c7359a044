"""Activities, their prices, and children's registrations to them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from cityviz.models.types import UTCDateTime


def _notice_checks(prefix: str) -> tuple[CheckConstraint, ...]:
    """A notice rule: none, N calendar days, N working days, or a weekday of the previous week."""
    return (
        CheckConstraint(
            f"{prefix}_notice_kind IN ('none','calendar_days','working_days','previous_week')",
            name=f"ck_activity_{prefix}_kind",
        ),
        CheckConstraint(
            f"{prefix}_notice_days >= 0 AND {prefix}_notice_days <= 60",
            name=f"ck_activity_{prefix}_days",
        ),
        CheckConstraint(
            f"{prefix}_cutoff_minutes >= 0 AND {prefix}_cutoff_minutes < 1440",
            name=f"ck_activity_{prefix}_cutoff",
        ),
        CheckConstraint(
            f"{prefix}_notice_weekday IS NULL OR ({prefix}_notice_weekday >= 0 AND {prefix}_notice_weekday <= 6)",
            name=f"ck_activity_{prefix}_weekday",
        ),
    )


class Activity(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint(
            "kind IN ('canteen','morning_care','evening_care','leisure','other')",
            name="ck_activity_kind",
        ),
        CheckConstraint("unit IN ('meal','half_day','day','hour')", name="ck_activity_unit"),
        CheckConstraint(
            "enrolment_mode IN ('automatic','validation')", name="ck_activity_enrolment_mode"
        ),
        CheckConstraint("capacity > 0", name="ck_activity_capacity"),
        CheckConstraint("end_date >= start_date", name="ck_activity_dates"),
        CheckConstraint("max_enrolled IS NULL OR max_enrolled > 0", name="ck_activity_max_enrolled"),
        CheckConstraint(
            "late_surcharge_percent >= 0 AND unbooked_surcharge_percent >= 0",
            name="ck_activity_surcharges",
        ),
        *_notice_checks("booking"),
        *_notice_checks("cancel"),
        *_notice_checks("late"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    name: str = Field(max_length=120)
    kind: str = Field(max_length=20)
    unit: str = Field(max_length=10)
    description: str = Field(default="", max_length=2000)
    start_date: date
    end_date: date
    weekdays: str = Field(default="0,1,3,4", max_length=13)  # Monday = 0
    school_period: str = Field(default="all", max_length=10)  # all, school (term time), holidays
    start_minutes: int = 0  # wall-clock time of the session in Paris
    end_minutes: int = 0
    enrolment_mode: str = Field(default="automatic", max_length=10)
    max_enrolled: int | None = None
    min_age: int | None = None
    max_age: int | None = None
    eligible_levels: str = Field(default="", max_length=100)  # "CP,CE1", "" = all
    capacity: int
    horizon_days: int | None = None
    booking_notice_kind: str = Field(default="none", max_length=15)
    booking_notice_days: int = 0
    booking_cutoff_minutes: int = 0
    booking_notice_weekday: int | None = None
    cancel_notice_kind: str = Field(default="none", max_length=15)
    cancel_notice_days: int = 0
    cancel_cutoff_minutes: int = 0
    cancel_notice_weekday: int | None = None
    late_notice_kind: str = Field(default="none", max_length=15)
    late_notice_days: int = 0
    late_cutoff_minutes: int = 0
    late_notice_weekday: int | None = None
    late_surcharge_percent: int = 0
    unbooked_surcharge_percent: int = 0
    is_open: bool = True
    # Reported absences (« Signaler une absence »): what the town bills, checked by the service.
    # billed: always billed; certificate: illness with a medical certificate not billed;
    # illness: illness not billed, certificate or not. The first `absence_carence_days`
    # sessions of an excused absence are billed all the same (carence).
    absence_policy: str = Field(default="certificate", max_length=12)
    absence_carence_days: int = 0
    # Meals: left out of the « Attestation fiscale » (childcare costs exclude food).
    is_food: bool = False
    created_at: datetime = Field(sa_type=UTCDateTime)


class PriceBand(SQLModel, table=True):
    """Unit price for households whose QF is at most `qf_max` (None: above every band)."""

    __tablename__ = "price_band"
    __table_args__ = (
        UniqueConstraint("activity_id", "qf_max", name="uq_price_band"),
        CheckConstraint("price_cents >= 0", name="ck_price_band_price"),
    )

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    qf_max: int | None = None
    price_cents: int


class ActivityRegistration(SQLModel, table=True):
    """A child's enrolment in an activity (inscription à une activité)."""

    __tablename__ = "activity_registration"
    __table_args__ = (
        UniqueConstraint("activity_id", "child_id", name="uq_registration_activity_child"),
        CheckConstraint(
            "status IN ('pending','validated','refused','waiting','cancelled')",
            name="ck_registration_status",
        ),
        CheckConstraint(
            "(status = 'waiting') = (waiting_position IS NOT NULL)",
            name="ck_registration_waiting_position",
        ),
        Index(
            "uq_registration_waiting_position",
            "activity_id",
            "waiting_position",
            unique=True,
            sqlite_where=text("waiting_position IS NOT NULL"),
            postgresql_where=text("waiting_position IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id")
    child_id: int = Field(foreign_key="person.id", index=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    status: str = Field(max_length=10)
    waiting_position: int | None = None
    refusal_reason: str = Field(default="", max_length=1000)
    requested_at: datetime = Field(sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
