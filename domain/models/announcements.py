"""Announcements: what a teacher or an admin posted to a batch, group, team or role, and who it reached."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base


class Announcement(Base):
    """One announcement: its words, urgency and the target it was posted to (named as it was then)."""

    __tablename__ = "announcements"
    __table_args__ = (Index("ix_announcements_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(default=False)
    target_kind: Mapped[str] = mapped_column(String(10))  # batch, group, team, role
    target_id: Mapped[int | None]  # the batch, group or team
    target_role: Mapped[str | None] = mapped_column(String(20))  # the role, for a role target
    target_name: Mapped[str] = mapped_column(String(120))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime]


class AnnouncementRecipient(Base):
    """One person an announcement was for; `for_student_id` when they are told as a student's parent."""

    __tablename__ = "announcement_recipients"

    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id", ondelete="CASCADE"),
                                                 primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    for_student_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
