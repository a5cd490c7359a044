"""« Messagerie » between a family and its town: threads, messages, attachments.

- `message_thread`: one conversation of a household with an organization (about a child or a
  topic), with what each side has still to read or answer (the counters).
- `message`: its messages, never edited; `message_attachment`: files under the document rules.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import cityviz.models.types

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_thread",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=True),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("started_by", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("created_at", cityviz.models.types.UTCDateTime(), nullable=False),
        sa.Column("last_message_at", cityviz.models.types.UTCDateTime(), nullable=False),
        sa.Column("awaiting_staff", sa.Boolean(), nullable=False),
        sa.Column("family_unread", sa.Boolean(), nullable=False),
        sa.CheckConstraint("started_by IN ('family','staff')", name="ck_thread_started_by"),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"]),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"]),
        sa.ForeignKeyConstraint(["child_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["activity_id"], ["activity.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_thread_org_waiting", "message_thread", ["organization_id", "awaiting_staff"])
    op.create_index("ix_thread_household_unread", "message_thread", ["household_id", "family_unread"])
    op.create_index("ix_message_thread_last_message_at", "message_thread", ["last_message_at"])
    op.create_table(
        "message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("author_kind", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sqlmodel.sql.sqltypes.AutoString(length=170), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=False),
        sa.Column("created_at", cityviz.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint("author_kind IN ('family','staff')", name="ck_message_author_kind"),
        sa.CheckConstraint("length(body) > 0", name="ck_message_body"),
        sa.ForeignKeyConstraint(["thread_id"], ["message_thread.id"]),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"]),
        sa.ForeignKeyConstraint(["author_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_message_thread_id", "message", ["thread_id"])
    op.create_index("ix_message_household_id", "message", ["household_id"])
    op.create_table(
        "message_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("storage_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("original_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.CheckConstraint("size_bytes > 0 AND size_bytes <= 10485760", name="ck_message_attachment_size"),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"]),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("storage_key"),
    )
    op.create_index("ix_message_attachment_message_id", "message_attachment", ["message_id"])
    op.create_index("ix_message_attachment_household_id", "message_attachment", ["household_id"])


def downgrade() -> None:
    op.drop_index("ix_message_attachment_household_id", table_name="message_attachment")
    op.drop_index("ix_message_attachment_message_id", table_name="message_attachment")
    op.drop_table("message_attachment")
    op.drop_index("ix_message_household_id", table_name="message")
    op.drop_index("ix_message_thread_id", table_name="message")
    op.drop_table("message")
    op.drop_index("ix_message_thread_last_message_at", table_name="message_thread")
    op.drop_index("ix_thread_household_unread", table_name="message_thread")
    op.drop_index("ix_thread_org_waiting", table_name="message_thread")
    op.drop_table("message_thread")
