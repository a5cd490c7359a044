"""Canteen menus: the dishes of a day, with their allergens and labels."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from cityviz.models.types import UTCDateTime


class MenuDish(SQLModel, table=True):
    """One course of an organization's canteen menu on one day."""

    __tablename__ = "menu_dish"
    __table_args__ = (
        UniqueConstraint("organization_id", "day", "course", name="uq_menu_dish"),
        CheckConstraint("course IN ('starter','main','side','dessert')", name="ck_menu_course"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    day: date = Field(index=True)
    course: str = Field(max_length=10)
    name: str = Field(max_length=120)
    allergens: str = Field(default="", max_length=200)  # codes of menus.ALLERGENS, comma separated
    organic: bool = False
    homemade: bool = False
    updated_at: datetime = Field(sa_type=UTCDateTime)
    updated_by_id: int | None = Field(default=None, foreign_key="user_account.id")
