"""Alerts: one row per alert (deduplicated by item, type and rule window), its recipients' read and
dismiss marks, the admins' rules per type, and each person's subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base


class Alert(Base):
    """Something people should know: its type, severity, words and the item it concerns."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("dedupe_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(40), index=True)
    severity: Mapped[str] = mapped_column(String(20))  # info, warning, urgent
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    item_kind: Mapped[str | None] = mapped_column(String(20))  # ticket, task, batch, ...
    item_id: Mapped[int | None]
    dedupe_key: Mapped[str] = mapped_column(String(160))  # type, item and rule window
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class AlertRecipient(Base):
    """One person's copy of an alert: read and dismissed, each once."""

    __tablename__ = "alert_recipients"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    read_at: Mapped[datetime | None]
    dismissed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class AlertRule(Base):
    """An admin's rule for one alert type: on or off, threshold, severity, who receives, the window."""

    __tablename__ = "alert_rules"

    type: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    threshold: Mapped[int | None]
    severity: Mapped[str] = mapped_column(String(20))
    recipients: Mapped[dict[str, Any]]  # {"roles": [...], "teams": [ids], "people": [ids]}
    window_minutes: Mapped[int] = mapped_column(default=0)  # 0: once per item, ever
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AlertSubscription(Base):
    """A person's choice for one alert type: receive it or not, and where."""

    __tablename__ = "alert_subscriptions"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    type: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    channel: Mapped[str] = mapped_column(String(10), default="telegram")  # telegram, email, both
    created_at: Mapped[datetime]
