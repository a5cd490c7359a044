"""Outgoing mail (kept as an outbox), private calendar feeds, and « Messagerie » between a family
and its town (threads, messages, attachments)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index
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


class MessageThread(SQLModel, table=True):
    """« Messagerie »: one conversation between a household and an organization, about a child
    or a topic (its subject). A message to all families of an activity opens one per household."""

    __tablename__ = "message_thread"
    __table_args__ = (
        CheckConstraint("started_by IN ('family','staff')", name="ck_thread_started_by"),
        Index("ix_thread_org_waiting", "organization_id", "awaiting_staff"),
        Index("ix_thread_household_unread", "household_id", "family_unread"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    household_id: int = Field(foreign_key="household.id")
    child_id: int | None = Field(default=None, foreign_key="person.id")  # None: a topic, not one child
    activity_id: int | None = Field(default=None, foreign_key="activity.id")  # sent to the activity's families
    subject: str = Field(max_length=120)
    started_by: str = Field(max_length=6)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_message_at: datetime = Field(sa_type=UTCDateTime, index=True)
    # The family wrote last and no one has answered (or marked it handled): « Messages en attente ».
    awaiting_staff: bool = False
    # Staff wrote and the family has not opened the thread since.
    family_unread: bool = False


class Message(SQLModel, table=True):
    """One message of a thread, never edited. The author's name is copied (an account can go)."""

    __table_args__ = (
        CheckConstraint("author_kind IN ('family','staff')", name="ck_message_author_kind"),
        CheckConstraint("length(body) > 0", name="ck_message_body"),
    )

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="message_thread.id", index=True)
    household_id: int = Field(foreign_key="household.id", index=True)  # its family (export, erasure)
    author_kind: str = Field(max_length=6)
    author_id: int | None = Field(default=None, foreign_key="user_account.id")
    author_name: str = Field(max_length=170)
    body: str = Field(max_length=5000)
    created_at: datetime = Field(sa_type=UTCDateTime)


class MessageAttachment(SQLModel, table=True):
    """A file joined to a message: the document rules (PDF, JPEG, PNG, 10 MB, checked on content)."""

    __tablename__ = "message_attachment"
    __table_args__ = (
        CheckConstraint("size_bytes > 0 AND size_bytes <= 10485760", name="ck_message_attachment_size"),
    )

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    storage_key: str = Field(max_length=64, unique=True)
    original_name: str = Field(max_length=200)
    content_type: str = Field(max_length=40)
    size_bytes: int
