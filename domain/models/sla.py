"""SLA policies: per team and priority, a first-response and a resolution target (domain.sla computes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, str_enum
from domain.models.tasks import Priority


class SlaPolicy(Base):
    """The targets for one team's tickets of one priority; counted in business hours (the organisation's
    calendar, rule `sla.calendar`) or 24/7; `pause_statuses` {"statuses": ["done"]} stop the clock."""

    __tablename__ = "sla_policies"
    __table_args__ = (UniqueConstraint("team_id", "priority"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    priority: Mapped[Priority] = mapped_column(str_enum(Priority))
    first_response_minutes: Mapped[int]
    resolution_minutes: Mapped[int]
    business_hours: Mapped[bool] = mapped_column(default=False)
    pause_statuses: Mapped[dict[str, Any]]  # {"statuses": ["done"]}
    updated_at: Mapped[datetime]
