"""decline: a declined task remembers who it was reassigned to (the status 'declined' needs no DDL:
task statuses are VARCHAR(20) without a CHECK constraint on both databases)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reassigned_to_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_tasks_reassigned_to_id_people'), 'people',
                                    ['reassigned_to_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tasks_reassigned_to_id_people'), type_='foreignkey')
        batch_op.drop_column('reassigned_to_id')
