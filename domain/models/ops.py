"""Operations: the scheduler's leader lease and heartbeat, and the backup log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base


class SchedulerLease(Base):
    """One row per scheduler name: who leads, until when, and its last heartbeat."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]
    jobs: Mapped[dict[str, Any]]


class BackupLog(Base):
    __tablename__ = "backup_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    kind: Mapped[str] = mapped_column(String(20))  # sqlite, pg_dump, sheets
    status: Mapped[str] = mapped_column(String(20))  # running, ok, failed
    path: Mapped[str | None] = mapped_column(Text)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)


class SeenUpdate(Base):
    """A Telegram update already handled, by any process (kept a few days)."""

    __tablename__ = "seen_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime] = mapped_column(index=True)
