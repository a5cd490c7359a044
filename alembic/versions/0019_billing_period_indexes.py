"""Covering indexes for the households billed in a month (starting an issue read every booking row).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_booking_session_status_household", "booking", ["session_id", "status", "household_id"])
    op.create_index("ix_attendance_session_status_household", "attendance",
                    ["session_id", "status", "household_id"])


def downgrade() -> None:
    op.drop_index("ix_attendance_session_status_household", table_name="attendance")
    op.drop_index("ix_booking_session_status_household", table_name="booking")
