"""School holidays: an organization's zone, and when an activity runs.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain added columns (no table rebuild on SQLite); values checked by the services.
    op.add_column("organization", sa.Column("school_zone", sa.String(length=1), nullable=False, server_default=""))
    op.add_column("activity", sa.Column("school_period", sa.String(length=10), nullable=False,
                                        server_default="all"))


def downgrade() -> None:
    with op.batch_alter_table("activity") as batch:
        batch.drop_column("school_period")
    with op.batch_alter_table("organization") as batch:
        batch.drop_column("school_zone")
