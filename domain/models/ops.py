"""Operations: the scheduler's leader lease and heartbeat, the delivery workers' heartbeats, the backup log."""

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
    # Incremented on each takeover by another holder; a job run checks it still holds this epoch.
    epoch: Mapped[int] = mapped_column(default=0, server_default="0")


class DeliveryWorker(Base):
    """A process draining the outbox: its heartbeat tells the others whether its claims are still held."""

    __tablename__ = "delivery_workers"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    host: Mapped[str] = mapped_column(String(120), index=True)  # host name and PID namespace
    pid: Mapped[int]
    started_at: Mapped[datetime]
    last_seen: Mapped[datetime]
    stopped_at: Mapped[datetime | None]  # stopped cleanly, or declared dead by a successor


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
