"""Tests per batch and each student's marks in them; referrals (a student or parent names someone)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, str_enum


class ClassTest(Base):
    """A test a batch sat (or will sit): its name, date and maximum marks."""

    __tablename__ = "class_tests"
    __table_args__ = (UniqueConstraint("batch_id", "name", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    held_on: Mapped[date] = mapped_column(Date)
    max_marks: Mapped[int]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class StudentMark(Base):
    """One student's result in one test: the marks, or absent (marks empty)."""

    __tablename__ = "student_marks"

    test_id: Mapped[int] = mapped_column(ForeignKey("class_tests.id", ondelete="CASCADE"), primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
    marks: Mapped[float | None] = mapped_column(Float)
    absent: Mapped[bool] = mapped_column(default=False)
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    entered_at: Mapped[datetime]


class ReferralStatus(enum.StrEnum):
    NEW = "new"
    INVITED = "invited"
    ENROLLED = "enrolled"
    DECLINED = "declined"


class Referral(Base):
    """Someone a student or parent referred: name, phone (E.164), a note; invited and enrolled later."""

    __tablename__ = "referrals"
    __table_args__ = (Index("ix_referrals_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referrer_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ReferralStatus] = mapped_column(str_enum(ReferralStatus), default=ReferralStatus.NEW)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    invited_at: Mapped[datetime | None]
    enrolled_at: Mapped[datetime | None]
    thanked_at: Mapped[datetime | None]  # the referrer was thanked (once)
