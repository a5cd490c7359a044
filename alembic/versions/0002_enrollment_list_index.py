"""Index for the staff dossier list without a status filter.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_enrollment_org_updated", "enrollment", ["organization_id", "updated_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_enrollment_org_updated", table_name="enrollment")
