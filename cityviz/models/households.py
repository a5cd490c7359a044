"""Households and the people in them (guardians and children)."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, event
from sqlmodel import Field, SQLModel

from cityviz.models.types import UTCDateTime


class Household(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    street: str = Field(default="", max_length=200)
    postal_code: str = Field(default="", max_length=5)
    city: str = Field(default="", max_length=120)
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by_organization_id: int | None = Field(default=None, foreign_key="organization.id")
    is_demo: bool = False
    # Set once its personal data is erased (retention or « Supprimer mon compte »).
    anonymised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Person(SQLModel, table=True):
    """A guardian (responsable légal) or a child of a household."""

    __table_args__ = (
        CheckConstraint("role IN ('guardian','child')", name="ck_person_role"),
        CheckConstraint("sex IS NULL OR sex IN ('F','M')", name="ck_person_sex"),
        CheckConstraint("civility IS NULL OR civility IN ('Mme','M.')", name="ck_person_civility"),
        # Prefix searches (LIKE 'lefe%') use it on PostgreSQL whatever the database's collation.
        Index("ix_person_last_name_folded", "last_name_folded",
              postgresql_ops={"last_name_folded": "varchar_pattern_ops"}),
    )

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    role: str = Field(max_length=10)
    civility: str | None = Field(default=None, max_length=3)
    first_name: str = Field(max_length=80)
    last_name: str = Field(max_length=80, index=True)
    # last_name in lower case without accents (« Lefèvre » → "lefevre"), kept by the listener
    # below on every insert and update: what staff searches compare with.
    last_name_folded: str = Field(default="", max_length=80)
    birth_date: date | None = None
    sex: str | None = Field(default=None, max_length=1)
    email: str = Field(default="", max_length=254)
    phone_mobile: str = Field(default="", max_length=20)  # E.164
    phone_other: str = Field(default="", max_length=20)
    school: str = Field(default="", max_length=120)
    school_level: str = Field(default="", max_length=10)  # PS, MS, GS, CP … CM2
    allergies: str = Field(default="", max_length=1000)
    medical_notes: str = Field(default="", max_length=2000)
    authorised_pickups: str = Field(default="", max_length=1000)
    # Canteen diet (people.DIETS; "" none) and the PAI (projet d'accueil individualisé) with its document.
    diet: str = Field(default="", max_length=20)
    has_pai: bool = False
    pai_key: str | None = Field(default=None, max_length=64)
    pai_name: str = Field(default="", max_length=200)
    pai_type: str = Field(default="", max_length=40)
    avatar_key: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)


def fold(text: str) -> str:
    """Lower case without accents: « LEFÈVRE », « Lefèvre » and "lefevre" all give "lefevre"."""
    decomposed = unicodedata.normalize("NFKD", str(text or "").casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@event.listens_for(Person, "before_insert")
@event.listens_for(Person, "before_update")
def _fold_last_name(_mapper, _connection, person: Person) -> None:
    person.last_name_folded = fold(person.last_name)[:80]


class FamilyQuotient(SQLModel, table=True):
    """The household's quotient familial (CAF), with the date it applies from."""

    __tablename__ = "family_quotient"
    __table_args__ = (
        UniqueConstraint("household_id", "valid_from", name="uq_qf_household_from"),
        CheckConstraint("value >= 0", name="ck_qf_value"),
    )

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    value: int
    valid_from: date
    created_at: datetime = Field(sa_type=UTCDateTime)


class ChildAuthorization(SQLModel, table=True):
    """« Autorisations » of a child for a school year, answered and signed by a guardian
    (renewed each school year: a new row)."""

    __tablename__ = "child_authorization"
    __table_args__ = (
        UniqueConstraint("child_id", "school_year", name="uq_authorization_child_year"),
        CheckConstraint("leave_alone_from IS NULL OR (leave_alone_from >= 0 AND leave_alone_from < 1440)",
                        name="ck_authorization_time"),
    )

    id: int | None = Field(default=None, primary_key=True)
    child_id: int = Field(foreign_key="person.id")
    household_id: int = Field(foreign_key="household.id", index=True)
    school_year: int  # the year it starts (2026 for 2026-2027)
    image: bool = False  # droit à l'image
    leave_alone: bool = False  # sortie seul(e)…
    leave_alone_from: int | None = None  # …from this time (minutes after midnight, Paris)
    pickups: str = Field(default="", max_length=2000)  # one person a line: name ; phone ; relation
    emergency_care: bool = False  # soins d'urgence
    transport: bool = False
    signed_by_name: str = Field(max_length=170)
    signed_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    signed_at: datetime = Field(sa_type=UTCDateTime)
