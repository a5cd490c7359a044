"""Outgoing mail (kept as an outbox) and private calendar feeds."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from cityviz.models.types import UTCDateTime


class OutboxEmail(SQLModel, table=True):
    """Every message the portal sends. Without SMTP settings it stays here,
    readable by the platform administrator (offline demo)."""

    __tablename__ = "outbox_email"

    id: int | None = Field(default=None, primary_key=True)
    to_address: str = Field(max_length=254, index=True)
    subject: str = Field(max_length=200)
    body: str
    attachment_name: str = Field(default="", max_length=120)
    attachment_key: str | None = Field(default=None, max_length=64)
    # Whose name and logo head the HTML part (None: the portal's); the label of its one button,
    # which opens the first link of the body ("" with a link: a generic label).
    organization_id: int | None = None
    action_label: str = Field(default="", max_length=60)
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    last_error: str = Field(default="", max_length=500)
    # The delivery job of the transaction that wrote it (SMTP configured), which retries it.
    job_id: int | None = Field(default=None, foreign_key="job.id", index=True)


class CalendarFeed(SQLModel, table=True):
    """A private, revocable .ics link to a household's bookings."""

    __tablename__ = "calendar_feed"

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
