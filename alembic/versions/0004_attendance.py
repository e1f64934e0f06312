"""attendance

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('subject', sa.String(length=120), nullable=False),
    sa.Column('level', sa.String(length=60), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('grace_minutes', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batches')),
    sa.UniqueConstraint('name', name=op.f('uq_batches_name'))
    )
    op.create_table('batch_teachers',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_batch_teachers_batch_id_batches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_batch_teachers_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('batch_id', 'person_id', name=op.f('pk_batch_teachers'))
    )
    with op.batch_alter_table('batch_teachers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batch_teachers_person_id'), ['person_id'], unique=False)

    op.create_table('enrolments',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('enrolled_on', sa.Date(), nullable=False),
    sa.Column('left_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_enrolments_batch_id_batches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['people.id'], name=op.f('fk_enrolments_student_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('batch_id', 'student_id', name=op.f('pk_enrolments'))
    )
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolments_student_id'), ['student_id'], unique=False)

    op.create_table('schedule_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_schedule_slots_batch_id_batches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule_slots'))
    )
    with op.batch_alter_table('schedule_slots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_schedule_slots_batch_id'), ['batch_id'], unique=False)

    op.create_table('class_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('scheduled', 'open', 'submitted', 'closed', 'missed', name='sessionstatus', native_enum=False, length=20), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('post_class_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('nagged_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_class_sessions_batch_id_batches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['slot_id'], ['schedule_slots.id'], name=op.f('fk_class_sessions_slot_id_schedule_slots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by'], ['people.id'], name=op.f('fk_class_sessions_submitted_by_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_sessions')),
    sa.UniqueConstraint('batch_id', 'on_date', 'slot_id', name=op.f('uq_class_sessions_batch_id_on_date_slot_id'))
    )
    with op.batch_alter_table('class_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_class_sessions_status_ends', ['status', 'ends_at'], unique=False)
        batch_op.create_index('ix_class_sessions_status_starts', ['status', 'starts_at'], unique=False)

    op.create_table('attendance_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('mark', sa.Enum('present', 'absent', 'late', 'excused', name='mark', native_enum=False, length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('marked_by', sa.Integer(), nullable=True),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.Enum('telegram', 'web', 'system', name='channel', native_enum=False, length=20), nullable=False),
    sa.ForeignKeyConstraint(['marked_by'], ['people.id'], name=op.f('fk_attendance_records_marked_by_people')),
    sa.ForeignKeyConstraint(['session_id'], ['class_sessions.id'], name=op.f('fk_attendance_records_session_id_class_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['people.id'], name=op.f('fk_attendance_records_student_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_records')),
    sa.UniqueConstraint('session_id', 'student_id', name=op.f('uq_attendance_records_session_id_student_id'))
    )
    with op.batch_alter_table('attendance_records', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_student_session', ['student_id', 'session_id'], unique=False)

    op.create_table('pending_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('student_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=160), nullable=False),
    sa.Column('status', sa.Enum('open', 'resolved', name='actionstatus', native_enum=False, length=20), nullable=False),
    sa.Column('resolution', sa.String(length=40), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_pending_actions_batch_id_batches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['people.id'], name=op.f('fk_pending_actions_owner_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by'], ['people.id'], name=op.f('fk_pending_actions_resolved_by_people')),
    sa.ForeignKeyConstraint(['session_id'], ['class_sessions.id'], name=op.f('fk_pending_actions_session_id_class_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['people.id'], name=op.f('fk_pending_actions_student_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_actions')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_pending_actions_dedupe_key'))
    )
    with op.batch_alter_table('pending_actions', schema=None) as batch_op:
        batch_op.create_index('ix_pending_owner_status', ['owner_id', 'status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('pending_actions', schema=None) as batch_op:
        batch_op.drop_index('ix_pending_owner_status')

    op.drop_table('pending_actions')
    with op.batch_alter_table('attendance_records', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_student_session')

    op.drop_table('attendance_records')
    with op.batch_alter_table('class_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_class_sessions_status_starts')
        batch_op.drop_index('ix_class_sessions_status_ends')

    op.drop_table('class_sessions')
    with op.batch_alter_table('schedule_slots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_schedule_slots_batch_id'))

    op.drop_table('schedule_slots')
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolments_student_id'))

    op.drop_table('enrolments')
    with op.batch_alter_table('batch_teachers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batch_teachers_person_id'))

    op.drop_table('batch_teachers')
    op.drop_table('batches')
