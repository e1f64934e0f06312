"""risk: student risk profiles and risk events (the student risk engine)

Revision ID: 0025
Revises: 0019
Create Date: 2026-12-07
"""
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = '0025'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'student_risk_profiles',
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('score', sa.Double(), nullable=True),
        sa.Column('level', sa.String(length=20), nullable=False),
        sa.Column('breakdown', JSON, nullable=False),
        sa.Column('reasons', sa.Text(), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('level_since', sa.DateTime(timezone=True), nullable=False),
        sa.Column('review', sa.String(length=20), nullable=True),
        sa.Column('review_note', sa.Text(), nullable=True),
        sa.Column('reviewed_by', sa.Integer(), nullable=True),
        sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['student_id'], ['people.id'],
                                name=op.f('fk_student_risk_profiles_student_id_people'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reviewed_by'], ['people.id'],
                                name=op.f('fk_student_risk_profiles_reviewed_by_people')),
        sa.PrimaryKeyConstraint('student_id', name=op.f('pk_student_risk_profiles')),
    )
    op.create_index(op.f('ix_student_risk_profiles_level'), 'student_risk_profiles', ['level'], unique=False)
    op.create_table(
        'student_risk_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('from_level', sa.String(length=20), nullable=True),
        sa.Column('to_level', sa.String(length=20), nullable=False),
        sa.Column('score', sa.Double(), nullable=True),
        sa.Column('reasons', sa.Text(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['student_id'], ['people.id'],
                                name=op.f('fk_student_risk_events_student_id_people'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_student_risk_events')),
    )
    op.create_index('ix_student_risk_events_student_at', 'student_risk_events', ['student_id', 'at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_student_risk_events_student_at', table_name='student_risk_events')
    op.drop_table('student_risk_events')
    op.drop_index(op.f('ix_student_risk_profiles_level'), table_name='student_risk_profiles')
    op.drop_table('student_risk_profiles')
