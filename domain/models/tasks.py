"""Assignments and the tasks they fan out to (one per person), with their history."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, str_enum


class Priority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class TaskStatus(enum.StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"
    DECLINED = "declined"  # the assignee said no, with a reason (the task's last_note)


OPEN_STATUSES = (TaskStatus.PENDING, TaskStatus.IN_PROGRESS)
FINISHED_STATUSES = (TaskStatus.DONE, TaskStatus.RESOLVED)  # done, approved or not: the one definition


class Channel(enum.StrEnum):
    TELEGRAM = "telegram"
    WEB = "web"
    SYSTEM = "system"


class Assignment(Base):
    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[Priority] = mapped_column(str_enum(Priority), default=Priority.NORMAL)
    due_at: Mapped[datetime | None]
    requires_review: Mapped[bool] = mapped_column(default=False)
    assigner_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    targets: Mapped[dict[str, Any]]
    reminder_lead_minutes: Mapped[int | None]  # overrides the global rule for this assignment
    reminder_every_hours: Mapped[int | None]
    created_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("assignment_id", "assignee_id"),
        Index("ix_tasks_assignee_status_due", "assignee_id", "status", "due_at"),
        Index("ix_tasks_status_due", "status", "due_at"),
        Index("ix_tasks_next_reminder", "next_reminder_at"),
        Index("ix_tasks_assignee_updated", "assignee_id", "updated_at"),  # the dashboard's change marker
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    assignee_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    assigner_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[Priority] = mapped_column(str_enum(Priority), default=Priority.NORMAL)
    due_at: Mapped[datetime | None]
    requires_review: Mapped[bool] = mapped_column(default=False)
    status: Mapped[TaskStatus] = mapped_column(str_enum(TaskStatus), default=TaskStatus.PENDING)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    reopen_count: Mapped[int] = mapped_column(default=0)
    next_reminder_at: Mapped[datetime | None]  # when the reminder scan should next look at it
    escalated_at: Mapped[datetime | None]
    last_note: Mapped[str | None] = mapped_column(Text)
    # a declined task handed to someone else: who got it (set once, by a conditional update)
    reassigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TaskEvent(Base):
    """One transition of a task: when, by whom, through which channel, from where."""

    __tablename__ = "task_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[TaskStatus | None] = mapped_column(str_enum(TaskStatus))
    to_status: Mapped[TaskStatus] = mapped_column(str_enum(TaskStatus))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    ip: Mapped[str | None] = mapped_column(String(45))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]
