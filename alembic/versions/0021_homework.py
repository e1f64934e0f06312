"""homework: homework set to a batch, one item per enrolled student, their files

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-07
"""
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '0021'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'homework',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('set_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_homework_batch_id_batches'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['set_by_id'], ['people.id'], name=op.f('fk_homework_set_by_id_people'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_homework')),
    )
    op.create_index('ix_homework_batch_due', 'homework', ['batch_id', 'due_at'], unique=False)
    op.create_index(op.f('ix_homework_due_at'), 'homework', ['due_at'], unique=False)
    op.create_table(
        'homework_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('homework_id', sa.Integer(), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.Enum('open', 'handed_in', 'reviewed', name='homeworkstatus', native_enum=False,
                                    length=20), nullable=False),
        sa.Column('text', sa.Text(), nullable=True),
        sa.Column('handed_in_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('late', sa.Boolean(), nullable=False),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['homework_id'], ['homework.id'], name=op.f('fk_homework_items_homework_id_homework'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reviewed_by_id'], ['people.id'],
                                name=op.f('fk_homework_items_reviewed_by_id_people'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['student_id'], ['people.id'], name=op.f('fk_homework_items_student_id_people'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_homework_items')),
        sa.UniqueConstraint('homework_id', 'student_id', name=op.f('uq_homework_items_homework_id_student_id')),
    )
    op.create_index(op.f('ix_homework_items_student_id'), 'homework_items', ['student_id'], unique=False)
    op.create_table(
        'homework_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('homework_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('telegram_file_id', sa.String(length=250), nullable=True),
        sa.Column('telegram_unique_id', sa.String(length=100), nullable=True),
        sa.Column('file_key', sa.String(length=250), nullable=True),
        sa.Column('filename', sa.String(length=200), nullable=True),
        sa.Column('content_type', sa.String(length=100), nullable=True),
        sa.Column('size', sa.BigInteger(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['homework_id'], ['homework.id'], name=op.f('fk_homework_files_homework_id_homework'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['item_id'], ['homework_items.id'],
                                name=op.f('fk_homework_files_item_id_homework_items'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['people.id'],
                                name=op.f('fk_homework_files_uploaded_by_id_people'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_homework_files')),
    )
    op.create_index(op.f('ix_homework_files_homework_id'), 'homework_files', ['homework_id'], unique=False)
    op.create_index(op.f('ix_homework_files_item_id'), 'homework_files', ['item_id'], unique=False)


def downgrade() -> None:
    op.drop_table('homework_files')
    op.drop_table('homework_items')
    op.drop_table('homework')
