"""One ledger and the régie's journal.

- `refund.credit_note_id` / `refund.payment_id`: each refund names its one source
  (a credit note, or a payment's excess). Refunds recorded before this migration
  are attributed as the old code counted them: to the household's overpayments,
  newest first, then to its credit notes.
- `regie_journal`: every money event, append-only — the database refuses UPDATE,
  and DELETE unless the ten-year archive purge (0007's `archive_purge`) covers it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import cityviz.models.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "the regie journal cannot be changed"
_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION cityviz_journal_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND EXISTS (
      SELECT 1 FROM archive_purge WHERE finished_at IS NULL AND OLD.at < issued_before) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '{REFUSAL}';
END $$ LANGUAGE plpgsql
"""


def _attribute_legacy_refunds() -> None:
    """Give each existing refund the source the previous code took it from."""
    conn = op.get_bind()
    refunds = conn.execute(sa.text("SELECT id, household_id, organization_id, amount_cents FROM refund "
                                   "ORDER BY id")).all()
    for refund_id, household_id, organization_id, amount in refunds:
        payments = conn.execute(sa.text(
            "SELECT p.id, p.amount_cents - COALESCE((SELECT SUM(a.amount_cents) FROM payment_allocation a "
            "WHERE a.payment_id = p.id), 0) - COALESCE((SELECT SUM(r.amount_cents) FROM refund r "
            "WHERE r.payment_id = p.id), 0) FROM payment p WHERE p.household_id = :h AND p.organization_id = :o "
            "AND p.reversed_at IS NULL ORDER BY p.recorded_at DESC, p.id DESC"),
            {"h": household_id, "o": organization_id}).all()
        notes = conn.execute(sa.text(
            "SELECT n.id, n.total_cents - COALESCE((SELECT SUM(a.amount_cents) FROM credit_allocation a "
            "WHERE a.credit_note_id = n.id), 0) - COALESCE((SELECT SUM(r.amount_cents) FROM refund r "
            "WHERE r.credit_note_id = n.id), 0) FROM credit_note n WHERE n.household_id = :h "
            "AND n.organization_id = :o ORDER BY n.issued_at, n.id"),
            {"h": household_id, "o": organization_id}).all()
        column, source = "payment_id", None
        for source_id, left in payments:
            if left >= amount:
                source = source_id
                break
        if source is None:
            column = "credit_note_id"
            source = next((i for i, left in notes if left >= amount), None)
        if source is None:  # nothing holds it: the largest payment (the refund stays visible)
            column = "payment_id" if payments else "credit_note_id"
            source = (payments or notes)[0][0] if (payments or notes) else None
        if source is not None:
            conn.execute(sa.text(f"UPDATE refund SET {column} = :s WHERE id = :r"), {"s": source, "r": refund_id})
    # A refund with no payment nor credit note at all cannot be kept under the new rule.
    orphans = conn.execute(sa.text("SELECT COUNT(*) FROM refund WHERE payment_id IS NULL "
                                   "AND credit_note_id IS NULL")).scalar()
    if orphans:
        raise RuntimeError(f"{orphans} remboursement(s) sans paiement ni avoir : à examiner avant la migration")


def upgrade() -> None:
    with op.batch_alter_table("refund") as batch:
        batch.add_column(sa.Column("credit_note_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("payment_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_refund_credit_note_id", "credit_note", ["credit_note_id"], ["id"])
        batch.create_foreign_key("fk_refund_payment_id", "payment", ["payment_id"], ["id"])
        batch.create_index("ix_refund_credit_note_id", ["credit_note_id"])
        batch.create_index("ix_refund_payment_id", ["payment_id"])
    _attribute_legacy_refunds()
    with op.batch_alter_table("refund") as batch:
        batch.create_check_constraint("ck_refund_one_source", "(credit_note_id IS NULL) <> (payment_id IS NULL)")

    op.create_table(
        "regie_journal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("at", cityviz.models.types.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("payer", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=15), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.CheckConstraint("kind IN ('invoice','credit_note','payment','refund','reversal','direct_debit_file',"
                           "'settings')", name="ck_regie_journal_kind"),
        sa.CheckConstraint("amount_cents >= 0", name="ck_regie_journal_amount"),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_regie_journal_org_at", "regie_journal", ["organization_id", "at"])
    op.create_index("ix_regie_journal_household_id", "regie_journal", ["household_id"])
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute("CREATE TRIGGER regie_journal_append_only BEFORE UPDATE OR DELETE ON regie_journal "
                   "FOR EACH ROW EXECUTE FUNCTION cityviz_journal_append_only()")
    elif dialect == "sqlite":
        op.execute(f"CREATE TRIGGER regie_journal_no_update BEFORE UPDATE ON regie_journal "
                   f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END")
        op.execute(f"CREATE TRIGGER regie_journal_no_delete BEFORE DELETE ON regie_journal "
                   f"WHEN NOT EXISTS (SELECT 1 FROM archive_purge WHERE finished_at IS NULL "
                   f"AND OLD.at < archive_purge.issued_before) BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END")
    else:
        raise NotImplementedError(f"unsupported database: {dialect}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS regie_journal_append_only ON regie_journal")
        op.execute("DROP FUNCTION IF EXISTS cityviz_journal_append_only()")
    op.drop_index("ix_regie_journal_household_id", table_name="regie_journal")
    op.drop_index("ix_regie_journal_org_at", table_name="regie_journal")
    op.drop_table("regie_journal")  # SQLite drops its triggers with it
    with op.batch_alter_table("refund") as batch:
        batch.drop_constraint("ck_refund_one_source", type_="check")
        batch.drop_index("ix_refund_payment_id")
        batch.drop_index("ix_refund_credit_note_id")
        batch.drop_constraint("fk_refund_payment_id", type_="foreignkey")
        batch.drop_constraint("fk_refund_credit_note_id", type_="foreignkey")
        batch.drop_column("payment_id")
        batch.drop_column("credit_note_id")
