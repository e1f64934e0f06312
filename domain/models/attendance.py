"""Batches (classes), their weekly schedule, enrolments, sessions, attendance and the teacher's inbox."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import Date, ForeignKey, Index, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, str_enum
from domain.models.tasks import Channel


class Batch(Base):
    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    subject: Mapped[str] = mapped_column(String(120), default="")
    level: Mapped[str] = mapped_column(String(60), default="")
    active: Mapped[bool] = mapped_column(default=True)
    grace_minutes: Mapped[int | None]  # overrides the global rule when set
    created_at: Mapped[datetime]


class BatchTeacher(Base):
    __tablename__ = "batch_teachers"

    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)


class ScheduleSlot(Base):
    """A weekly class time, in the organisation's time zone."""

    __tablename__ = "schedule_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]  # Monday = 0
    start_time: Mapped[time] = mapped_column(Time)
    duration_minutes: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)


class Enrolment(Base):
    __tablename__ = "enrolments"

    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
    enrolled_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    SUBMITTED = "submitted"
    CLOSED = "closed"
    MISSED = "missed"


class ClassSession(Base):
    __tablename__ = "class_sessions"
    __table_args__ = (
        UniqueConstraint("batch_id", "on_date", "slot_id"),
        Index("ix_class_sessions_status_starts", "status", "starts_at"),
        Index("ix_class_sessions_status_ends", "status", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("schedule_slots.id", ondelete="CASCADE"))
    on_date: Mapped[date] = mapped_column(Date)  # local date of the class
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[SessionStatus] = mapped_column(str_enum(SessionStatus), default=SessionStatus.SCHEDULED)
    opened_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    closed_at: Mapped[datetime | None]
    post_class_at: Mapped[datetime | None]  # the post-class pipeline ran (once)
    nagged_at: Mapped[datetime | None]


class Mark(enum.StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    LATE = "late"
    EXCUSED = "excused"


class AttendanceRecord(Base):
    __tablename__ = "attendance_records"
    __table_args__ = (
        UniqueConstraint("session_id", "student_id"),
        Index("ix_attendance_student_session", "student_id", "session_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("class_sessions.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    mark: Mapped[Mark] = mapped_column(str_enum(Mark))
    note: Mapped[str | None] = mapped_column(Text)
    marked_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    marked_at: Mapped[datetime]
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))


class ActionStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class PendingAction(Base):
    """An item in a teacher's inbox: a missed session, an absence streak, low attendance."""

    __tablename__ = "pending_actions"
    __table_args__ = (UniqueConstraint("dedupe_key"), Index("ix_pending_owner_status", "owner_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("class_sessions.id", ondelete="CASCADE"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    summary: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(String(160))
    status: Mapped[ActionStatus] = mapped_column(str_enum(ActionStatus), default=ActionStatus.OPEN)
    resolution: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
