"""E-mails worth opening: each message knows whose name and logo head its HTML part and the
label of its button; a régie may send invoices and credit notes with their PDF.

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain added columns (no table rebuild on SQLite).
    op.add_column("outbox_email", sa.Column("organization_id", sa.Integer(), nullable=True))
    op.add_column("outbox_email", sa.Column("action_label", sqlmodel.sql.sqltypes.AutoString(length=60),
                                            nullable=False, server_default=""))
    op.add_column("organization", sa.Column("email_invoice_pdf", sa.Boolean(), nullable=False,
                                            server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("organization") as batch:
        batch.drop_column("email_invoice_pdf")
    with op.batch_alter_table("outbox_email") as batch:
        batch.drop_column("action_label")
        batch.drop_column("organization_id")
