"""Sessions (an activity on a date), bookings, closures and attendance."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from cityviz.models.types import UTCDateTime


class ActivitySession(SQLModel, table=True):
    """One activity on one date (séance). `booked_count` is kept by the
    booking service under a lock; the database refuses any overbooking."""

    __tablename__ = "activity_session"
    __table_args__ = (
        UniqueConstraint("activity_id", "date", name="uq_session_activity_date"),
        CheckConstraint("capacity >= 0", name="ck_session_capacity"),
        CheckConstraint(
            "booked_count >= 0 AND booked_count <= capacity", name="ck_session_booked_le_capacity"
        ),
        CheckConstraint("waiting_count >= 0", name="ck_session_waiting"),
        Index("ix_session_date", "date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id")
    date: date
    capacity: int
    booked_count: int = 0
    waiting_count: int = 0
    closure_id: int | None = Field(default=None, foreign_key="closure.id")
    # Set by staff for this one date: the activity's capacity no longer overrides it.
    capacity_custom: bool = False


class Booking(SQLModel, table=True):
    """A child's place in a session, or their place on its waiting list."""

    __table_args__ = (
        UniqueConstraint("session_id", "child_id", name="uq_booking_session_child"),
        CheckConstraint("status IN ('booked','waiting','cancelled')", name="ck_booking_status"),
        CheckConstraint(
            "(status = 'waiting') = (waiting_position IS NOT NULL)",
            name="ck_booking_waiting_position",
        ),
        CheckConstraint(
            # waitlist: still waiting when the booking deadline passed (the list is closed then)
            "cancel_reason IS NULL OR cancel_reason IN ('parent','staff','closure','waitlist')",
            name="ck_booking_cancel_reason",
        ),
        Index(
            "uq_booking_waiting_position",
            "session_id",
            "waiting_position",
            unique=True,
            sqlite_where=text("waiting_position IS NOT NULL"),
            postgresql_where=text("waiting_position IS NOT NULL"),
        ),
        Index("ix_booking_child_status", "child_id", "status"),
        # Covering for "which households have something booked in these sessions" (starting a
        # billing period reads it for every booking of the month, without touching the rows).
        Index("ix_booking_session_status_household", "session_id", "status", "household_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="activity_session.id")
    child_id: int = Field(foreign_key="person.id")
    household_id: int = Field(foreign_key="household.id", index=True)
    status: str = Field(max_length=10)
    waiting_position: int | None = None
    is_late: bool = False  # booked after the late-booking deadline (surcharged)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancel_reason: str | None = Field(default=None, max_length=10)


class Closure(SQLModel, table=True):
    """Days without activity (a whole organization, or one activity)."""

    __table_args__ = (CheckConstraint("end_date >= start_date", name="ck_closure_dates"),)

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    activity_id: int | None = Field(default=None, foreign_key="activity.id")
    start_date: date
    end_date: date
    reason: str = Field(max_length=300)
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    # Lifted: its sessions reopen (the bookings it cancelled stay cancelled).
    lifted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lifted_by_id: int | None = Field(default=None, foreign_key="user_account.id")


class Attendance(SQLModel, table=True):
    """Pointage: what happened to a child in a session (used for billing)."""

    __table_args__ = (
        UniqueConstraint("session_id", "child_id", name="uq_attendance_session_child"),
        CheckConstraint(
            "status IN ('present','absent','justified','unbooked_present')",
            name="ck_attendance_status",
        ),
        # Covering for the month's presences without booking, as for bookings above.
        Index("ix_attendance_session_status_household", "session_id", "status", "household_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="activity_session.id")
    child_id: int = Field(foreign_key="person.id", index=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    status: str = Field(max_length=20)
    marked_at: datetime = Field(sa_type=UTCDateTime)
    marked_by_id: int | None = Field(default=None, foreign_key="user_account.id")
