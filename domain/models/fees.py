"""Fees: plans per batch (an amount each month, a due day), the dues issued to students, and payments."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, str_enum


class JoinRule(enum.StrEnum):
    """What a student enrolled after a period began owes for that period."""

    FULL = "full"
    PRO_RATA = "pro_rata"
    NEXT_PERIOD = "next_period"


class FeePlan(Base):
    """A batch's recurring fee: `amount_minor` every month, due on `due_day` (1-28)."""

    __tablename__ = "fee_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    amount_minor: Mapped[int]
    due_day: Mapped[int]
    join_rule: Mapped[JoinRule] = mapped_column(str_enum(JoinRule), default=JoinRule.FULL)
    starts_on: Mapped[date] = mapped_column(Date)  # the first period is the month of this day
    payment_link: Mapped[str | None] = mapped_column(String(500))  # else the organisation's (rule)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class FeeDue(Base):
    """What one student owes: a plan's period (`period` "2026-11") or a one-off fee (`plan_id` empty).

    `issue_key` is unique, so issuing twice issues once. `paid_minor` is the sum of the due's payments
    (refunds negative), kept by the one service that records them; `reminder_stage` the last reminder
    stage sent (0 none, 1 before the due date, 2-4 the three stages after it)."""

    __tablename__ = "fee_dues"
    __table_args__ = (
        UniqueConstraint("issue_key"),
        Index("ix_fee_dues_student_due", "student_id", "due_on"),
        Index("ix_fee_dues_due_on", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_key: Mapped[str] = mapped_column(String(120))
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("fee_plans.id", ondelete="SET NULL"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id", ondelete="SET NULL"), index=True)
    period: Mapped[str | None] = mapped_column(String(7))
    label: Mapped[str] = mapped_column(String(200))
    amount_minor: Mapped[int]
    paid_minor: Mapped[int] = mapped_column(default=0)
    due_on: Mapped[date] = mapped_column(Date)
    payment_link: Mapped[str | None] = mapped_column(String(500))
    reminder_stage: Mapped[int] = mapped_column(default=0)
    paid_at: Mapped[datetime | None]  # when the balance last reached zero
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class FeePayment(Base):
    """Money received for a due (or, negative, refunded), recorded by staff."""

    __tablename__ = "fee_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    due_id: Mapped[int] = mapped_column(ForeignKey("fee_dues.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    amount_minor: Mapped[int]
    paid_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(120), default="")
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
