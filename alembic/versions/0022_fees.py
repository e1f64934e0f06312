"""fees: plans per batch, dues per student and period (issued once), payments and refunds

Revision ID: 0022
Revises: 0019
Create Date: 2026-12-07
"""
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '0022'
down_revision: str | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'fee_plans',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('amount_minor', sa.Integer(), nullable=False),
        sa.Column('due_day', sa.Integer(), nullable=False),
        sa.Column('join_rule', sa.Enum('full', 'pro_rata', 'next_period', name='joinrule', native_enum=False,
                                       length=20), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('payment_link', sa.String(length=500), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_fee_plans_batch_id_batches'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_plans')),
    )
    op.create_index(op.f('ix_fee_plans_batch_id'), 'fee_plans', ['batch_id'], unique=False)
    op.create_table(
        'fee_dues',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('issue_key', sa.String(length=120), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=True),
        sa.Column('batch_id', sa.Integer(), nullable=True),
        sa.Column('period', sa.String(length=7), nullable=True),
        sa.Column('label', sa.String(length=200), nullable=False),
        sa.Column('amount_minor', sa.Integer(), nullable=False),
        sa.Column('paid_minor', sa.Integer(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('payment_link', sa.String(length=500), nullable=True),
        sa.Column('reminder_stage', sa.Integer(), nullable=False),
        sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['student_id'], ['people.id'], name=op.f('fk_fee_dues_student_id_people'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['plan_id'], ['fee_plans.id'], name=op.f('fk_fee_dues_plan_id_fee_plans'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_fee_dues_batch_id_batches'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by'], ['people.id'], name=op.f('fk_fee_dues_created_by_people'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_dues')),
        sa.UniqueConstraint('issue_key', name=op.f('uq_fee_dues_issue_key')),
    )
    op.create_index('ix_fee_dues_student_due', 'fee_dues', ['student_id', 'due_on'], unique=False)
    op.create_index('ix_fee_dues_due_on', 'fee_dues', ['due_on'], unique=False)
    op.create_index(op.f('ix_fee_dues_plan_id'), 'fee_dues', ['plan_id'], unique=False)
    op.create_index(op.f('ix_fee_dues_batch_id'), 'fee_dues', ['batch_id'], unique=False)
    op.create_table(
        'fee_payments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('due_id', sa.Integer(), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('amount_minor', sa.Integer(), nullable=False),
        sa.Column('paid_on', sa.Date(), nullable=False),
        sa.Column('method', sa.String(length=20), nullable=False),
        sa.Column('reference', sa.String(length=120), nullable=False),
        sa.Column('recorded_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['due_id'], ['fee_dues.id'], name=op.f('fk_fee_payments_due_id_fee_dues'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['student_id'], ['people.id'], name=op.f('fk_fee_payments_student_id_people'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by'], ['people.id'], name=op.f('fk_fee_payments_recorded_by_people'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_payments')),
    )
    op.create_index(op.f('ix_fee_payments_due_id'), 'fee_payments', ['due_id'], unique=False)
    op.create_index(op.f('ix_fee_payments_student_id'), 'fee_payments', ['student_id'], unique=False)


def downgrade() -> None:
    op.drop_table('fee_payments')
    op.drop_table('fee_dues')
    op.drop_table('fee_plans')
