"""announcements: what was posted to a batch, group, team or role, and its recipients

Revision ID: 0024
Revises: 0019
Create Date: 2026-12-07
"""
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'announcements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('urgent', sa.Boolean(), nullable=False),
        sa.Column('target_kind', sa.String(length=10), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=True),
        sa.Column('target_role', sa.String(length=20), nullable=True),
        sa.Column('target_name', sa.String(length=120), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['people.id'],
                                name=op.f('fk_announcements_created_by_id_people'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements')),
    )
    op.create_index('ix_announcements_created_at', 'announcements', ['created_at'], unique=False)
    op.create_index(op.f('ix_announcements_created_by_id'), 'announcements', ['created_by_id'], unique=False)
    op.create_table(
        'announcement_recipients',
        sa.Column('announcement_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('for_student_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['announcement_id'], ['announcements.id'],
                                name=op.f('fk_announcement_recipients_announcement_id_announcements'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'],
                                name=op.f('fk_announcement_recipients_person_id_people'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['for_student_id'], ['people.id'],
                                name=op.f('fk_announcement_recipients_for_student_id_people'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('announcement_id', 'person_id', name=op.f('pk_announcement_recipients')),
    )
    op.create_index(op.f('ix_announcement_recipients_person_id'), 'announcement_recipients', ['person_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_announcement_recipients_person_id'), table_name='announcement_recipients')
    op.drop_table('announcement_recipients')
    op.drop_index(op.f('ix_announcements_created_by_id'), table_name='announcements')
    op.drop_index('ix_announcements_created_at', table_name='announcements')
    op.drop_table('announcements')
