"""Back office: staff roles (animateur, régisseur) and an animateur's activities, capacity set for
one date, closures that can be lifted.

- `staff_membership.role` may be `animateur` or `regisseur`;
- `staff_activity`: the activities assigned to an animateur;
- `activity_session.capacity_custom`: the capacity of that date was set by staff (the activity's
  capacity no longer overrides it);
- `closure.lifted_at`, `closure.lifted_by_id`: a lifted closure;
- `audit_entry.household_id`: the family a staff decision concerns (« Journal », a family's history).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cityviz.models.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _roles(values: str) -> None:
    # SQLite cannot alter a CHECK constraint: batch mode rebuilds the table.
    recreate = "always" if op.get_bind().dialect.name == "sqlite" else "auto"
    with op.batch_alter_table("staff_membership", recreate=recreate) as batch:
        batch.drop_constraint("ck_staff_role", type_="check")
        batch.create_check_constraint("ck_staff_role", f"role IN ({values})")


def upgrade() -> None:
    _roles("'agent','admin','animateur','regisseur'")
    op.create_table(
        "staff_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("created_at", cityviz.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["activity.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "activity_id", name="uq_staff_activity"),
    )
    op.create_index("ix_staff_activity_user_id", "staff_activity", ["user_id"])
    op.create_index("ix_staff_activity_activity_id", "staff_activity", ["activity_id"])
    op.add_column("activity_session", sa.Column("capacity_custom", sa.Boolean(), nullable=False,
                                                server_default=sa.false()))
    op.add_column("closure", sa.Column("lifted_at", cityviz.models.types.UTCDateTime(), nullable=True))
    with op.batch_alter_table("closure") as batch:
        batch.add_column(sa.Column("lifted_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_closure_lifted_by_id", "user_account", ["lifted_by_id"], ["id"])
    with op.batch_alter_table("audit_entry") as batch:
        batch.add_column(sa.Column("household_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_audit_entry_household_id", "household", ["household_id"], ["id"])
        batch.create_index("ix_audit_household_at", ["household_id", "at"])


def downgrade() -> None:
    with op.batch_alter_table("audit_entry") as batch:
        batch.drop_index("ix_audit_household_at")
        batch.drop_constraint("fk_audit_entry_household_id", type_="foreignkey")
        batch.drop_column("household_id")
    with op.batch_alter_table("closure") as batch:
        batch.drop_constraint("fk_closure_lifted_by_id", type_="foreignkey")
        batch.drop_column("lifted_by_id")
        batch.drop_column("lifted_at")
    with op.batch_alter_table("activity_session") as batch:
        batch.drop_column("capacity_custom")
    op.drop_index("ix_staff_activity_activity_id", table_name="staff_activity")
    op.drop_index("ix_staff_activity_user_id", table_name="staff_activity")
    op.drop_table("staff_activity")
    op.execute("UPDATE staff_membership SET role = 'agent' WHERE role IN ('animateur','regisseur')")
    _roles("'agent','admin'")
