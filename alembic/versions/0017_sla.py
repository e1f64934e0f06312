"""sla: policies per team and priority, and the stored SLA deadlines on tickets

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = ('first_response_at', 'first_response_due_at', 'first_response_risk_at', 'resolution_due_at',
       'resolution_risk_at', 'sla_due_at', 'sla_risk_at', 'sla_paused_since')


def upgrade() -> None:
    op.create_table(
        'sla_policies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('priority', sa.Enum('low', 'normal', 'high', 'urgent', name='priority', native_enum=False,
                                      length=20), nullable=False),
        sa.Column('first_response_minutes', sa.Integer(), nullable=False),
        sa.Column('resolution_minutes', sa.Integer(), nullable=False),
        sa.Column('business_hours', sa.Boolean(), nullable=False),
        sa.Column('pause_statuses', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
                  nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_sla_policies_team_id_teams'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_policies')),
        sa.UniqueConstraint('team_id', 'priority', name=op.f('uq_sla_policies_team_id_priority')),
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        for name in _TS:
            batch_op.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sla_paused_minutes', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index('ix_tickets_sla_due_at', ['sla_due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_sla_due_at')
        batch_op.drop_column('sla_paused_minutes')
        for name in reversed(_TS):
            batch_op.drop_column(name)
    op.drop_table('sla_policies')
