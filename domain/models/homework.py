"""Homework set to a batch: one item per student enrolled on the day it was set, their hand-ins and files."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, str_enum


class HomeworkStatus(enum.StrEnum):
    """Where one student's item stands (late and missing are read from the due time, not stored)."""

    OPEN = "open"
    HANDED_IN = "handed_in"
    REVIEWED = "reviewed"


class Homework(Base):
    """A piece of homework set to a batch, with its due time (UTC) and who set it."""

    __tablename__ = "homework"
    __table_args__ = (Index("ix_homework_batch_due", "batch_id", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime] = mapped_column(index=True)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    reminded_at: Mapped[datetime | None]  # the reminder before the due time went (once)


class HomeworkItem(Base):
    """One student's copy of a homework: their hand-in (text, files), the late flag and the review."""

    __tablename__ = "homework_items"
    __table_args__ = (UniqueConstraint("homework_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    homework_id: Mapped[int] = mapped_column(ForeignKey("homework.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    status: Mapped[HomeworkStatus] = mapped_column(str_enum(HomeworkStatus), default=HomeworkStatus.OPEN)
    text: Mapped[str | None] = mapped_column(Text)  # what the student wrote when handing in
    handed_in_at: Mapped[datetime | None]
    late: Mapped[bool] = mapped_column(default=False)  # handed in after the due time
    comment: Mapped[str | None] = mapped_column(Text)  # the teacher's review comment
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))


class HomeworkFile(Base):
    """A file of a homework (the teacher's, item_id None) or of a hand-in: Telegram's file_id to send it
    again without uploading, and the attachment store's key (`file_key`) when it was kept."""

    __tablename__ = "homework_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    homework_id: Mapped[int] = mapped_column(ForeignKey("homework.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("homework_items.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))  # photo or document
    telegram_file_id: Mapped[str | None] = mapped_column(String(250))
    telegram_unique_id: Mapped[str | None] = mapped_column(String(100))
    file_key: Mapped[str | None] = mapped_column(String(250))
    filename: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
