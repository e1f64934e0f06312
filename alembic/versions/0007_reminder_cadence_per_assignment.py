"""reminder cadence per assignment

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_lead_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reminder_every_hours', sa.Integer(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_column('reminder_every_hours')
        batch_op.drop_column('reminder_lead_minutes')

