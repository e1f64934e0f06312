"""Operations: the scheduler lease and heartbeat, delivery workers, the backup log, seen updates, idempotency keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, Text
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


class IdempotencyKey(Base):
    """A write guarded by a client's key (API) or a form's nonce (console): its body's fingerprint,
    whether it is still running, and the answer to give again (kept a day)."""

    __tablename__ = "idempotency_keys"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    scope: Mapped[str] = mapped_column(String(10), primary_key=True)  # api, form
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of method, path, canonical body
    claim: Mapped[str] = mapped_column(String(32))  # the running attempt; a takeover replaces it
    state: Mapped[str] = mapped_column(String(10))  # running, done
    claimed_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]
    status: Mapped[int | None]
    answer: Mapped[dict[str, Any] | None]
