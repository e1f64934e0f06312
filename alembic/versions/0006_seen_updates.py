"""seen updates

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('seen_updates',
    sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('update_id', name=op.f('pk_seen_updates'))
    )
    with op.batch_alter_table('seen_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seen_updates_handled_at'), ['handled_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('seen_updates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seen_updates_handled_at'))

    op.drop_table('seen_updates')
