"""alerts: alerts, their recipients' read / dismiss marks, rules per type and subscriptions

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'alerts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('type', sa.String(length=40), nullable=False),
        sa.Column('severity', sa.String(length=20), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('item_kind', sa.String(length=20), nullable=True),
        sa.Column('item_id', sa.Integer(), nullable=True),
        sa.Column('dedupe_key', sa.String(length=160), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_alerts_created_by_id_people'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
        sa.UniqueConstraint('dedupe_key', name=op.f('uq_alerts_dedupe_key')),
    )
    op.create_index(op.f('ix_alerts_type'), 'alerts', ['type'], unique=False)
    op.create_table(
        'alert_recipients',
        sa.Column('alert_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('dismissed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_alert_recipients_alert_id_alerts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_alert_recipients_person_id_people'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('alert_id', 'person_id', name=op.f('pk_alert_recipients')),
    )
    op.create_index(op.f('ix_alert_recipients_person_id'), 'alert_recipients', ['person_id'], unique=False)
    op.create_table(
        'alert_rules',
        sa.Column('type', sa.String(length=40), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('threshold', sa.Integer(), nullable=True),
        sa.Column('severity', sa.String(length=20), nullable=False),
        sa.Column('recipients', JSON, nullable=False),
        sa.Column('window_minutes', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('type', name=op.f('pk_alert_rules')),
    )
    op.create_table(
        'alert_subscriptions',
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('type', sa.String(length=40), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'],
                                name=op.f('fk_alert_subscriptions_person_id_people'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('person_id', 'type', name=op.f('pk_alert_subscriptions')),
    )


def downgrade() -> None:
    op.drop_table('alert_subscriptions')
    op.drop_table('alert_rules')
    op.drop_index(op.f('ix_alert_recipients_person_id'), table_name='alert_recipients')
    op.drop_table('alert_recipients')
    op.drop_index(op.f('ix_alerts_type'), table_name='alerts')
    op.drop_table('alerts')
