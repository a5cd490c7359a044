"""Staff « Familles » search folds accents and case: `person.last_name_folded`
(« Lefèvre » → "lefevre"), indexed for prefix searches, filled here for the
people already there (the model fills it on every later write).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fold(text: str) -> str:
    # The same rule as cityviz.models.households.fold, frozen here as migrations must be.
    decomposed = unicodedata.normalize("NFKD", str(text or "").casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))[:80]


def upgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("last_name_folded", sa.String(length=80), nullable=False, server_default=""))
    person = sa.table("person", sa.column("id", sa.Integer), sa.column("last_name", sa.String),
                      sa.column("last_name_folded", sa.String))
    bind = op.get_bind()
    names = bind.execute(sa.select(person.c.last_name).distinct()).scalars().all()
    for name in names:
        bind.execute(person.update().where(person.c.last_name == name).values(last_name_folded=_fold(name)))
    op.create_index("ix_person_last_name_folded", "person", ["last_name_folded"],
                    postgresql_ops={"last_name_folded": "varchar_pattern_ops"})


def downgrade() -> None:
    op.drop_index("ix_person_last_name_folded", table_name="person")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("last_name_folded")
