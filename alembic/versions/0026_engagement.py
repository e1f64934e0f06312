"""engagement: model cards of the engagement risk model and the scores each training gave

Revision ID: 0026
Revises: 0019
Create Date: 2026-12-07
"""
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = '0026'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'engagement_models',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('trained_at', WHEN, nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('data_from', WHEN, nullable=True),
        sa.Column('data_to', WHEN, nullable=True),
        sa.Column('cutoff', WHEN, nullable=True),
        sa.Column('n_train', sa.Integer(), nullable=False),
        sa.Column('n_test', sa.Integer(), nullable=False),
        sa.Column('late_share', sa.Float(), nullable=True),
        sa.Column('auc_model', sa.Float(), nullable=True),
        sa.Column('brier_model', sa.Float(), nullable=True),
        sa.Column('auc_baseline', sa.Float(), nullable=True),
        sa.Column('brier_baseline', sa.Float(), nullable=True),
        sa.Column('margin', sa.Float(), nullable=False),
        sa.Column('model_wins', sa.Boolean(), nullable=False),
        sa.Column('features', JSON, nullable=False),
        sa.Column('clusters', JSON, nullable=False),
        sa.Column('suggestions', JSON, nullable=False),
        sa.Column('artifact', sa.String(length=200), nullable=True),
        sa.Column('seconds', sa.Float(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_engagement_models')),
    )
    op.create_index(op.f('ix_engagement_models_trained_at'), 'engagement_models', ['trained_at'], unique=False)
    op.create_table(
        'engagement_scores',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('model_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('risk', sa.Float(), nullable=False),
        sa.Column('source', sa.String(length=10), nullable=False),
        sa.Column('reasons', JSON, nullable=False),
        sa.Column('cluster', sa.Integer(), nullable=True),
        sa.Column('scored_at', WHEN, nullable=False),
        sa.ForeignKeyConstraint(['model_id'], ['engagement_models.id'],
                                name=op.f('fk_engagement_scores_model_id_engagement_models'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'],
                                name=op.f('fk_engagement_scores_person_id_people'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_engagement_scores')),
        sa.UniqueConstraint('model_id', 'person_id', name=op.f('uq_engagement_scores_model_id_person_id')),
    )
    op.create_index('ix_engagement_scores_model_risk', 'engagement_scores', ['model_id', 'risk'], unique=False)
    op.create_index(op.f('ix_engagement_scores_person_id'), 'engagement_scores', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_table('engagement_scores')
    op.drop_table('engagement_models')
