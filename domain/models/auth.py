"""Web sign-in: one-time codes, server-side sessions, one-time action tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base


class OtpChallenge(Base):
    """One login attempt: the code is stored only as an HMAC, bound to this attempt's id."""

    __tablename__ = "otp_challenges"
    __table_args__ = (
        Index("ix_otp_challenges_phone_created", "phone", "created_at"),
        Index("ix_otp_challenges_ip_created", "ip", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the attempt id
    phone: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(45))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    consumed_at: Mapped[datetime | None]


class WebSession(Base):
    """A signed-in browser; the cookie holds a random id, the table only its SHA-256."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    csrf_secret: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class OneTimeToken(Base):
    """A random token for one action (sign-in link, attendance sheet), consumed by one POST."""

    __tablename__ = "one_time_tokens"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the token
    purpose: Mapped[str] = mapped_column(String(40))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    object_id: Mapped[int | None]
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    consumed_at: Mapped[datetime | None]


class SigninCounter(Base):
    """How many sign-in codes one budget (a browser, an address, a phone) has spent in its hour.

    Rows are locked (SELECT ... FOR UPDATE) while checked and counted, so concurrent requests queue."""

    __tablename__ = "signin_counters"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the budget's name
    window_start: Mapped[datetime]
    count: Mapped[int] = mapped_column(default=0)
