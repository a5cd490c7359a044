"""« Campagne d'inscription »: next school year's re-enrolment.

- `campaign`: an organization's campaign for a school year, with its dates;
- `campaign_dossier`: each family's re-enrolment (this year's data copied at opening, what the
  family confirmed or corrected, the parts confirmed, staff's decision);
- `campaign_document`: documents sent again for the new year;
- `campaign_activity`: next year's activities copied from this year's.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import cityviz.models.types
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('school_year', sa.Integer(), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('created_at', cityviz.models.types.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('closes_on >= opens_on', name='ck_campaign_dates'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organization_id', 'school_year', name='uq_campaign_org_year')
    )
    op.create_index(op.f('ix_campaign_organization_id'), 'campaign', ['organization_id'], unique=False)
    op.create_table('campaign_activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('source_activity_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], ),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ),
    sa.ForeignKeyConstraint(['source_activity_id'], ['activity.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('campaign_id', 'source_activity_id', name='uq_campaign_activity_source')
    )
    op.create_index(op.f('ix_campaign_activity_campaign_id'), 'campaign_activity', ['campaign_id'], unique=False)
    op.create_table('campaign_dossier',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('family', sqlmodel.sql.sqltypes.AutoString(length=170), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('before', sa.Text(), nullable=False),
    sa.Column('after', sa.Text(), nullable=False),
    sa.Column('confirmed', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('correction_reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('updated_at', cityviz.models.types.UTCDateTime(), nullable=False),
    sa.Column('sent_at', cityviz.models.types.UTCDateTime(), nullable=True),
    sa.Column('sent_by_name', sqlmodel.sql.sqltypes.AutoString(length=170), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', cityviz.models.types.UTCDateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('reminded_at', cityviz.models.types.UTCDateTime(), nullable=True),
    sa.Column('applied_at', cityviz.models.types.UTCDateTime(), nullable=True),
    sa.CheckConstraint("status IN ('not_started','in_progress','sent','validated')", name='ck_campaign_dossier_status'),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
    sa.ForeignKeyConstraint(['sent_by_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('campaign_id', 'household_id', name='uq_campaign_dossier_household')
    )
    op.create_index(op.f('ix_campaign_dossier_household_id'), 'campaign_dossier', ['household_id'], unique=False)
    op.create_index('ix_campaign_dossier_status', 'campaign_dossier', ['campaign_id', 'status', 'id'], unique=False)
    op.create_table('campaign_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('storage_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('original_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', cityviz.models.types.UTCDateTime(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('superseded_at', cityviz.models.types.UTCDateTime(), nullable=True),
    sa.CheckConstraint('size_bytes > 0 AND size_bytes <= 10485760', name='ck_campaign_document_size'),
    sa.ForeignKeyConstraint(['dossier_id'], ['campaign_dossier.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['requirement_id'], ['document_requirement.id'], ),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('storage_key')
    )
    op.create_index(op.f('ix_campaign_document_dossier_id'), 'campaign_document', ['dossier_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_campaign_document_dossier_id'), table_name='campaign_document')
    op.drop_table('campaign_document')
    op.drop_index('ix_campaign_dossier_status', table_name='campaign_dossier')
    op.drop_index(op.f('ix_campaign_dossier_household_id'), table_name='campaign_dossier')
    op.drop_table('campaign_dossier')
    op.drop_index(op.f('ix_campaign_activity_campaign_id'), table_name='campaign_activity')
    op.drop_table('campaign_activity')
    op.drop_index(op.f('ix_campaign_organization_id'), table_name='campaign')
    op.drop_table('campaign')
