"""Households of a billing period, frozen at the start of issuing; attendance by household.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "billing_period_household",
        sa.Column("billing_period_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["billing_period_id"], ["billing_period.id"]),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"]),
        sa.PrimaryKeyConstraint("billing_period_id", "household_id"),
    )
    op.create_index("ix_attendance_household_id", "attendance", ["household_id"])


def downgrade() -> None:
    op.drop_index("ix_attendance_household_id", table_name="attendance")
    op.drop_table("billing_period_household")
