"""« Autorisations » from the town's list: each organization chooses which of the five it asks
families (all five by default, as before).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("organization", sa.Column("asked_authorizations", sqlmodel.sql.sqltypes.AutoString(length=80),
                                            nullable=False,
                                            server_default="image,leave_alone,pickups,emergency_care,transport"))


def downgrade() -> None:
    with op.batch_alter_table("organization") as batch:
        batch.drop_column("asked_authorizations")
