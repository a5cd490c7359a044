"""Absences reported by parents and each activity's billing rule for them; documents that expire.

- `absence_report`: « Signaler une absence » (dates, reason, optional medical
  certificate, the staff's decision).
- `activity.absence_policy`, `activity.absence_carence_days`: what the town bills
  for a reported absence (plain added columns, no table rebuild on SQLite; values
  checked by the activity service).
- `document_requirement.validity`, `.validity_months`: how long a document stays valid;
  `document.valid_until`, `document.expiry_notice_at`: its last valid day, the reminder sent.
- `activity.is_food`: meals, left out of the tax certificate (canteens are marked so);
  `tax_certificate_notice`: the families told that their tax certificate of a year is ready.
- `person.diet`, `person.has_pai`, `person.pai_*`: canteen diet and PAI with its document.
- `menu_dish`: the canteen menus (« Menus »); `child_authorization`: « Autorisations » signed per year.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import cityviz.models.types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("activity", sa.Column("absence_policy", sqlmodel.sql.sqltypes.AutoString(length=12),
                                        nullable=False, server_default="certificate"))
    op.add_column("activity", sa.Column("absence_carence_days", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("activity", sa.Column("is_food", sa.Boolean(), nullable=False, server_default=sa.false()))
    activity = sa.table("activity", sa.column("kind", sa.String()), sa.column("is_food", sa.Boolean()))
    op.execute(activity.update().where(activity.c.kind == "canteen").values(is_food=True))
    op.add_column("person", sa.Column("diet", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False,
                                      server_default=""))
    op.add_column("person", sa.Column("has_pai", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("person", sa.Column("pai_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    op.add_column("person", sa.Column("pai_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False,
                                      server_default=""))
    op.add_column("person", sa.Column("pai_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False,
                                      server_default=""))
    op.add_column("document_requirement", sa.Column("validity", sqlmodel.sql.sqltypes.AutoString(length=15),
                                                    nullable=False, server_default="unlimited"))
    op.add_column("document_requirement", sa.Column("validity_months", sa.Integer(), nullable=False,
                                                    server_default="0"))
    op.add_column("document", sa.Column("valid_until", sa.Date(), nullable=True))
    op.add_column("document", sa.Column("expiry_notice_at", cityviz.models.types.UTCDateTime(), nullable=True))
    op.create_index("ix_document_valid_until", "document", ["valid_until"])
    op.create_table(
        "absence_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("date_from", sa.Date(), nullable=False),
        sa.Column("date_to", sa.Date(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("decision_reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("certificate_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("certificate_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("certificate_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("certificate_size", sa.Integer(), nullable=True),
        sa.Column("created_at", cityviz.models.types.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", cityviz.models.types.UTCDateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("reason IN ('illness','other')", name="ck_absence_reason"),
        sa.CheckConstraint("status IN ('reported','accepted','refused')", name="ck_absence_status"),
        sa.CheckConstraint("date_to >= date_from", name="ck_absence_dates"),
        sa.CheckConstraint("status <> 'refused' OR decision_reason <> ''", name="ck_absence_refusal_reason"),
        sa.CheckConstraint("certificate_size IS NULL OR (certificate_size > 0 AND certificate_size <= 10485760)",
                           name="ck_absence_certificate_size"),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"]),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"]),
        sa.ForeignKeyConstraint(["child_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("certificate_key"),
    )
    op.create_table(
        "child_authorization",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("school_year", sa.Integer(), nullable=False),
        sa.Column("image", sa.Boolean(), nullable=False),
        sa.Column("leave_alone", sa.Boolean(), nullable=False),
        sa.Column("leave_alone_from", sa.Integer(), nullable=True),
        sa.Column("pickups", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("emergency_care", sa.Boolean(), nullable=False),
        sa.Column("transport", sa.Boolean(), nullable=False),
        sa.Column("signed_by_name", sqlmodel.sql.sqltypes.AutoString(length=170), nullable=False),
        sa.Column("signed_by_id", sa.Integer(), nullable=True),
        sa.Column("signed_at", cityviz.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint("leave_alone_from IS NULL OR (leave_alone_from >= 0 AND leave_alone_from < 1440)",
                           name="ck_authorization_time"),
        sa.ForeignKeyConstraint(["child_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"]),
        sa.ForeignKeyConstraint(["signed_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("child_id", "school_year", name="uq_authorization_child_year"),
    )
    op.create_index("ix_child_authorization_household_id", "child_authorization", ["household_id"])
    op.create_table(
        "menu_dish",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("course", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("allergens", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("organic", sa.Boolean(), nullable=False),
        sa.Column("homemade", sa.Boolean(), nullable=False),
        sa.Column("updated_at", cityviz.models.types.UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("course IN ('starter','main','side','dessert')", name="ck_menu_course"),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organization_id", "day", "course", name="uq_menu_dish"),
    )
    op.create_index("ix_menu_dish_day", "menu_dish", ["day"])
    op.create_table(
        "tax_certificate_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("created_at", cityviz.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint("total_cents >= 0", name="ck_tax_notice_total"),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"]),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organization_id", "household_id", "year", name="uq_tax_notice"),
    )
    op.create_index("ix_tax_certificate_notice_household_id", "tax_certificate_notice", ["household_id"])
    op.create_index("ix_absence_report_household_id", "absence_report", ["household_id"])
    op.create_index("ix_absence_org_status", "absence_report", ["organization_id", "status"])
    op.create_index("ix_absence_child_dates", "absence_report", ["child_id", "date_from"])


def downgrade() -> None:
    op.drop_index("ix_tax_certificate_notice_household_id", table_name="tax_certificate_notice")
    op.drop_table("tax_certificate_notice")
    op.drop_index("ix_child_authorization_household_id", table_name="child_authorization")
    op.drop_table("child_authorization")
    op.drop_index("ix_menu_dish_day", table_name="menu_dish")
    op.drop_table("menu_dish")
    op.drop_index("ix_absence_child_dates", table_name="absence_report")
    op.drop_index("ix_absence_org_status", table_name="absence_report")
    op.drop_index("ix_absence_report_household_id", table_name="absence_report")
    op.drop_table("absence_report")
    op.drop_index("ix_document_valid_until", table_name="document")
    with op.batch_alter_table("document") as batch:
        batch.drop_column("expiry_notice_at")
        batch.drop_column("valid_until")
    with op.batch_alter_table("person") as batch:
        for column in ("pai_type", "pai_name", "pai_key", "has_pai", "diet"):
            batch.drop_column(column)
    with op.batch_alter_table("document_requirement") as batch:
        batch.drop_column("validity_months")
        batch.drop_column("validity")
    with op.batch_alter_table("activity") as batch:
        batch.drop_column("is_food")
        batch.drop_column("absence_carence_days")
        batch.drop_column("absence_policy")
