"""recovery: delivery workers with heartbeats, the claiming worker on each notification, lease epochs

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('delivery_workers',
    sa.Column('id', sa.String(length=120), nullable=False),
    sa.Column('host', sa.String(length=120), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
    sa.Column('stopped_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_workers'))
    )
    with op.batch_alter_table('delivery_workers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_workers_host'), ['host'], unique=False)
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=120), nullable=True))
    with op.batch_alter_table('scheduler_leases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('epoch', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('scheduler_leases', schema=None) as batch_op:
        batch_op.drop_column('epoch')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('claimed_by')
    with op.batch_alter_table('delivery_workers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_workers_host'))
    op.drop_table('delivery_workers')
