"""Background jobs, personal data retention (RGPD), purge of archives past ten years.

- `job`: the durable record of every background job (« Tâches »);
  `outbox_email.job_id`: the delivery job that retries a message.
- `organization.reminder_every_days`, `organization.retention_years`,
  `household.anonymised_at`; `account_deletion_request` (« Supprimer mon compte »).
- `booking.cancel_reason` may be `waitlist`: a waiting list closed at the booking deadline.
- `archive_purge`, and the immutability triggers of invoices and credit notes
  redefined: still no UPDATE ever, and no DELETE unless an open purge row (which
  only the purge's own transaction ever sees) covers the document's issue date.

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import cityviz.models.types

revision: str = "0007"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IMMUTABLE_TABLES = ("invoice", "invoice_line", "credit_note", "credit_note_line")
REFUSAL = "issued invoices and credit notes cannot be changed"
# How each table finds the issue date of the document a row belongs to.
_ISSUED = {
    "invoice": "OLD.issued_at",
    "credit_note": "OLD.issued_at",
    "invoice_line": "(SELECT issued_at FROM invoice WHERE invoice.id = OLD.invoice_id)",
    "credit_note_line": "(SELECT issued_at FROM credit_note WHERE credit_note.id = OLD.credit_note_id)",
}
_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION cityviz_refuse_change() RETURNS trigger AS $$
DECLARE issued timestamp;
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF TG_TABLE_NAME IN ('invoice', 'credit_note') THEN
      issued := OLD.issued_at;
    ELSIF TG_TABLE_NAME = 'invoice_line' THEN
      SELECT issued_at INTO issued FROM invoice WHERE id = OLD.invoice_id;
    ELSE
      SELECT issued_at INTO issued FROM credit_note WHERE id = OLD.credit_note_id;
    END IF;
    IF EXISTS (SELECT 1 FROM archive_purge WHERE finished_at IS NULL AND issued < issued_before) THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION '{REFUSAL}';
END $$ LANGUAGE plpgsql
"""
_PG_FUNCTION_BEFORE = (
    "CREATE OR REPLACE FUNCTION cityviz_refuse_change() RETURNS trigger AS $$ "
    f"BEGIN RAISE EXCEPTION '{REFUSAL}'; END "
    "$$ LANGUAGE plpgsql"
)


def _sqlite_delete_trigger(table: str, purge_allowed: bool) -> str:
    when = (f"WHEN NOT EXISTS (SELECT 1 FROM archive_purge WHERE finished_at IS NULL "
            f"AND {_ISSUED[table]} < archive_purge.issued_before) ") if purge_allowed else ""
    return (f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} {when}"
            f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END")


def _set_triggers(purge_allowed: bool) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        # The triggers call the function by name: replacing it is enough.
        op.execute(_PG_FUNCTION if purge_allowed else _PG_FUNCTION_BEFORE)
    elif dialect == "sqlite":
        for table in IMMUTABLE_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
            op.execute(_sqlite_delete_trigger(table, purge_allowed))
    else:
        raise NotImplementedError(f"unsupported database: {dialect}")


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("args", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("unique_key", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", cityviz.models.types.UTCDateTime(), nullable=False),
        sa.Column("created_at", cityviz.models.types.UTCDateTime(), nullable=False),
        sa.Column("started_at", cityviz.models.types.UTCDateTime(), nullable=True),
        sa.Column("heartbeat_at", cityviz.models.types.UTCDateTime(), nullable=True),
        sa.Column("finished_at", cityviz.models.types.UTCDateTime(), nullable=True),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=False),
        sa.Column("progress_message", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("result", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.CheckConstraint("status IN ('queued','running','retrying','succeeded','failed','cancelled')",
                           name="ck_job_status"),
        sa.CheckConstraint("attempts >= 0 AND max_attempts >= 1", name="ck_job_attempts"),
        sa.CheckConstraint("progress_done >= 0 AND progress_total >= 0", name="ck_job_progress"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unique_key"),
    )
    op.create_index("ix_job_due", "job", ["status", "run_after"])
    op.create_index("ix_job_org_created", "job", ["organization_id", "created_at"])

    with op.batch_alter_table("outbox_email") as batch:
        batch.add_column(sa.Column("job_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_outbox_email_job_id", "job", ["job_id"], ["id"])
        batch.create_index("ix_outbox_email_job_id", ["job_id"])

    # Plain added columns (no table rebuild on SQLite); values checked by the services.
    op.add_column("organization", sa.Column("reminder_every_days", sa.Integer(), nullable=False,
                                            server_default="0"))
    op.add_column("organization", sa.Column("retention_years", sa.Integer(), nullable=False,
                                            server_default="3"))
    op.add_column("household", sa.Column("anonymised_at", cityviz.models.types.UTCDateTime(), nullable=True))

    op.create_table(
        "account_deletion_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", cityviz.models.types.UTCDateTime(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", cityviz.models.types.UTCDateTime(), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("refusal_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.CheckConstraint("status IN ('pending','confirmed','refused','cancelled')", name="ck_deletion_status"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"]),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"]),
        sa.ForeignKeyConstraint(["requested_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_deletion_household_status", "account_deletion_request", ["household_id", "status"])

    op.create_table(
        "archive_purge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", cityviz.models.types.UTCDateTime(), nullable=False),
        sa.Column("finished_at", cityviz.models.types.UTCDateTime(), nullable=True),
        sa.Column("issued_before", sa.Date(), nullable=False),
        sa.Column("invoices", sa.Integer(), nullable=False),
        sa.Column("credit_notes", sa.Integer(), nullable=False),
        sa.Column("payments", sa.Integer(), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    _set_triggers(purge_allowed=True)
    _booking_cancel_reasons("'parent','staff','closure','waitlist'")


def _booking_cancel_reasons(values: str) -> None:
    # SQLite cannot alter a CHECK constraint: batch mode rebuilds the table (indexes kept).
    recreate = "always" if op.get_bind().dialect.name == "sqlite" else "auto"
    with op.batch_alter_table("booking", recreate=recreate) as batch:
        batch.drop_constraint("ck_booking_cancel_reason", type_="check")
        batch.create_check_constraint("ck_booking_cancel_reason",
                                      f"cancel_reason IS NULL OR cancel_reason IN ({values})")


def downgrade() -> None:
    op.execute("UPDATE booking SET cancel_reason = 'staff' WHERE cancel_reason = 'waitlist'")
    _booking_cancel_reasons("'parent','staff','closure'")
    _set_triggers(purge_allowed=False)
    op.drop_table("archive_purge")
    op.drop_index("ix_deletion_household_status", table_name="account_deletion_request")
    op.drop_table("account_deletion_request")
    with op.batch_alter_table("household") as batch:
        batch.drop_column("anonymised_at")
    with op.batch_alter_table("organization") as batch:
        batch.drop_column("retention_years")
        batch.drop_column("reminder_every_days")
    with op.batch_alter_table("outbox_email") as batch:
        batch.drop_index("ix_outbox_email_job_id")
        batch.drop_constraint("fk_outbox_email_job_id", type_="foreignkey")
        batch.drop_column("job_id")
    op.drop_index("ix_job_org_created", table_name="job")
    op.drop_index("ix_job_due", table_name="job")
    op.drop_table("job")
