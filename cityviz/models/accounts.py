"""Accounts: users, their sessions, invitations, password resets, throttling."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, String
from sqlmodel import Field, SQLModel

from cityviz.models.types import UTCDateTime


class User(SQLModel, table=True):
    """A login. Guardians are linked to their `Person`; staff are not."""

    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)  # stored lower-case
    password_hash: str | None = Field(default=None, max_length=100)
    must_change_password: bool = True
    is_platform_admin: bool = False
    is_active: bool = True
    display_name: str = Field(default="", max_length=120)
    person_id: int | None = Field(default=None, foreign_key="person.id", unique=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    password_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuthSession(SQLModel, table=True):
    """A logged-in browser. Only hashes of the secrets are stored.

    A session starts *pending*: the login handler stores the hash of a
    one-minute ticket, which the browser exchanges once for the session
    cookie (an HttpOnly cookie can only be set by an HTTP response).
    """

    __tablename__ = "auth_session"
    __table_args__ = (
        CheckConstraint(
            "ended_reason IS NULL OR ended_reason IN "
            "('logout','idle','expired','password_changed','revoked','replaced')",
            name="ck_auth_session_ended_reason",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id")
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    ticket_hash: str | None = Field(default=None, max_length=64, unique=True)
    ticket_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    password_change_only: bool = False
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_reason: str | None = Field(default=None, max_length=20)
    ip_address: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=300)


class Invitation(SQLModel, table=True):
    """A temporary password sent by email: works once, for 7 days."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    temp_password_hash: str = Field(max_length=100)
    organization_id: int | None = Field(default=None, foreign_key="organization.id")
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PasswordReset(SQLModel, table=True):
    """A "mot de passe oublié" link: one use, one hour."""

    __tablename__ = "password_reset"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginThrottle(SQLModel, table=True):
    """Failed logins per account ("account:<email>") and per address ("ip:<addr>")."""

    __tablename__ = "login_throttle"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_column=Column(String(300), unique=True, nullable=False))
    failures: int = 0
    last_failure_at: datetime = Field(sa_type=UTCDateTime)
    blocked_until: datetime = Field(sa_type=UTCDateTime)


Index("ix_auth_session_user_active", AuthSession.user_id, AuthSession.ended_at)
