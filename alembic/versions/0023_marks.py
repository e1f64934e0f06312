"""marks: tests per batch, students' marks in them, and referrals

Revision ID: 0023
Revises: 0019
Create Date: 2026-12-07
"""
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '0023'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'class_tests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('max_marks', sa.Integer(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_class_tests_batch_id_batches'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by'], ['people.id'], name=op.f('fk_class_tests_created_by_people'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_class_tests')),
        sa.UniqueConstraint('batch_id', 'name', 'held_on', name=op.f('uq_class_tests_batch_id_name_held_on')),
    )
    op.create_index(op.f('ix_class_tests_batch_id'), 'class_tests', ['batch_id'], unique=False)
    op.create_table(
        'student_marks',
        sa.Column('test_id', sa.Integer(), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('marks', sa.Float(), nullable=True),
        sa.Column('absent', sa.Boolean(), nullable=False),
        sa.Column('entered_by', sa.Integer(), nullable=True),
        sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['test_id'], ['class_tests.id'], name=op.f('fk_student_marks_test_id_class_tests'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['student_id'], ['people.id'], name=op.f('fk_student_marks_student_id_people'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['entered_by'], ['people.id'], name=op.f('fk_student_marks_entered_by_people'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('test_id', 'student_id', name=op.f('pk_student_marks')),
    )
    op.create_index(op.f('ix_student_marks_student_id'), 'student_marks', ['student_id'], unique=False)
    op.create_table(
        'referrals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('referrer_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('phone', sa.String(length=20), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('status', sa.Enum('new', 'invited', 'enrolled', 'declined', name='referralstatus',
                                    native_enum=False, length=20), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('invited_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('thanked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['referrer_id'], ['people.id'], name=op.f('fk_referrals_referrer_id_people'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_referrals_person_id_people'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals')),
    )
    op.create_index(op.f('ix_referrals_referrer_id'), 'referrals', ['referrer_id'], unique=False)
    op.create_index(op.f('ix_referrals_phone'), 'referrals', ['phone'], unique=False)
    op.create_index(op.f('ix_referrals_person_id'), 'referrals', ['person_id'], unique=False)
    op.create_index('ix_referrals_status_created', 'referrals', ['status', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_referrals_status_created', table_name='referrals')
    op.drop_index(op.f('ix_referrals_person_id'), table_name='referrals')
    op.drop_index(op.f('ix_referrals_phone'), table_name='referrals')
    op.drop_index(op.f('ix_referrals_referrer_id'), table_name='referrals')
    op.drop_table('referrals')
    op.drop_index(op.f('ix_student_marks_student_id'), table_name='student_marks')
    op.drop_table('student_marks')
    op.drop_index(op.f('ix_class_tests_batch_id'), table_name='class_tests')
    op.drop_table('class_tests')
