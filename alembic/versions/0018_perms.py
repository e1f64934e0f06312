"""perms: per-person permission grants and revocations; the audit log's user agent

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'person_permissions',
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('permission', sa.String(length=40), nullable=False),
        sa.Column('allowed', sa.Boolean(), nullable=False),
        sa.Column('granted_by', sa.Integer(), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['granted_by'], ['people.id']),
        sa.PrimaryKeyConstraint('person_id', 'permission'),
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_agent', sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_column('user_agent')
    op.drop_table('person_permissions')
