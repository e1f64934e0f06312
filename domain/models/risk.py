"""Student risk: one profile per student (the latest score, its breakdown, the teacher's review) and an
event on every level change. The risk engine writes only these two tables (and one inbox item)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base


class RiskProfile(Base):
    __tablename__ = "student_risk_profiles"

    student_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[float | None]
    level: Mapped[str] = mapped_column(String(20), index=True)
    breakdown: Mapped[dict[str, Any]]  # {"factors": [{name, value, weight, weight_used, words}, ...]}
    reasons: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime]
    level_since: Mapped[datetime]
    review: Mapped[str | None] = mapped_column(String(20))  # reviewed, ignored, parent_notified
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    reviewed_at: Mapped[datetime | None]


class RiskEvent(Base):
    __tablename__ = "student_risk_events"
    __table_args__ = (Index("ix_student_risk_events_student_at", "student_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    from_level: Mapped[str | None] = mapped_column(String(20))
    to_level: Mapped[str] = mapped_column(String(20))
    score: Mapped[float | None]
    reasons: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]
