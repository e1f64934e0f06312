"""People (the allowlist), parent links and groups."""

from __future__ import annotations

import enum
from datetime import datetime, time
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, Time
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, str_enum


class Role(enum.StrEnum):
    ADMIN = "admin"
    TEACHER = "teacher"
    MEMBER = "member"
    STUDENT = "student"
    PARENT = "parent"


class PersonStatus(enum.StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    DISABLED = "disabled"


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    role: Mapped[Role] = mapped_column(str_enum(Role), index=True)
    status: Mapped[PersonStatus] = mapped_column(str_enum(PersonStatus), default=PersonStatus.INVITED)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    telegram_unreachable_at: Mapped[datetime | None]
    timezone: Mapped[str | None] = mapped_column(String(64))
    quiet_start: Mapped[time | None] = mapped_column(Time)
    quiet_end: Mapped[time | None] = mapped_column(Time)
    link_generation: Mapped[int] = mapped_column(default=0, server_default="0")  # bump to revoke links
    # Email, the second channel (domain.mail): the address (syntax-checked), when it was proved to be theirs
    # (a sign-in code reached it), and when a server refused it for good (a 5xx; cleared when it changes).
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    email_verified_at: Mapped[datetime | None]
    email_unreachable_at: Mapped[datetime | None]
    # Per kind group ("tasks", "reminders", ...) the chosen channel: "telegram", "email" or "both".
    channels: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @property
    def is_active(self) -> bool:
        return self.status == PersonStatus.ACTIVE

    def __repr__(self) -> str:
        return f"Person(id={self.id}, name={self.name!r}, role={self.role})"


class ParentLink(Base):
    """`parent_id` is a parent (or guardian) of `child_id`."""

    __tablename__ = "parent_links"

    parent_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    child_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime]


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime]


class GroupMember(Base):
    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime]
