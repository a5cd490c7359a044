"""News posts (fil d'actualités) of an organization."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from cityviz.models.types import UTCDateTime


class NewsPost(SQLModel, table=True):
    __tablename__ = "news_post"
    __table_args__ = (Index("ix_news_org_published", "organization_id", "published_at"),)

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    title: str = Field(max_length=150)
    body: str = Field(max_length=5000)
    image_key: str | None = Field(default=None, max_length=64)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # None: draft
    created_at: datetime = Field(sa_type=UTCDateTime)
    author_id: int | None = Field(default=None, foreign_key="user_account.id")
