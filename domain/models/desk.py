"""The service desk: teams (members, leads, who hears of what), tickets, their timeline and files."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, str_enum
from domain.models.tasks import Priority


class TicketStatus(enum.StrEnum):
    NEW = "new"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"


# Open: still someone's to act on. Closed: rejected, resolved (until reopened) or cancelled.
OPEN_TICKET_STATUSES = (TicketStatus.NEW, TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS, TicketStatus.DONE)
CLOSED_TICKET_STATUSES = (TicketStatus.REJECTED, TicketStatus.RESOLVED, TicketStatus.CANCELLED)


class Team(Base):
    """A queue of the desk (Facilities, Operations...); `extra_fields` declares the ticket fields it asks for:
    a list of {"key": "booking_id", "label": "Booking ID", "required": false}."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    extra_fields: Mapped[dict[str, Any]]  # {"fields": [{"key", "label", "required"}]}
    options: Mapped[dict[str, Any]]  # e.g. {"allow_any_files": true, "requesters_set_priority": false}
    created_at: Mapped[datetime]
    archived_at: Mapped[datetime | None]


class TeamMember(Base):
    """A person on a team; leads triage; the notify flags make them default recipients."""

    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    is_lead: Mapped[bool] = mapped_column(default=False)
    notify_new: Mapped[bool] = mapped_column(default=False)  # told of every new ticket
    notify_resolved: Mapped[bool] = mapped_column(default=False)  # told of every resolution
    added_at: Mapped[datetime]


class DeskCc(Base):
    """The organisation-wide list copied on every new ticket (Deyor's founders)."""

    __tablename__ = "desk_cc"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    added_at: Mapped[datetime]


class Ticket(Base):
    """A request to a team; shown as `#<number>`. The work is the tasks of `assignment_id`."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_team_status", "team_id", "status"),
        Index("ix_tickets_status_updated", "status", "updated_at"),
        Index("ix_tickets_sla_due_at", "sla_due_at"),  # "order by time to breach" (NULL when closed or paused)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    priority: Mapped[Priority] = mapped_column(str_enum(Priority), default=Priority.NORMAL)
    status: Mapped[TicketStatus] = mapped_column(str_enum(TicketStatus), default=TicketStatus.NEW)
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    contact_name: Mapped[str | None] = mapped_column(String(120))  # an outsider filed for by staff
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    fields: Mapped[dict[str, Any]]  # the team's extra fields: {"booking_id": "BK-1", ...}
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id", ondelete="SET NULL"),
                                                      index=True)
    due_at: Mapped[datetime | None]
    reject_reason: Mapped[str | None] = mapped_column(Text)
    resolution: Mapped[str | None] = mapped_column(Text)
    reopen_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    status_at: Mapped[datetime]  # when it entered its status (the reminder rules count from here)
    reminded_at: Mapped[datetime | None]  # the last reminder in this status
    accepted_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None]  # rejected or cancelled
    # SLA, stored by domain.sla.recompute from the timeline (the queue's index; metrics' compliance)
    first_response_at: Mapped[datetime | None]  # the first public reply or acceptance by staff
    first_response_due_at: Mapped[datetime | None]
    first_response_risk_at: Mapped[datetime | None]  # from here on "at risk" (rule sla.at_risk_share)
    resolution_due_at: Mapped[datetime | None]
    resolution_risk_at: Mapped[datetime | None]
    sla_due_at: Mapped[datetime | None]  # the next deadline still to meet; NULL when closed or paused
    sla_risk_at: Mapped[datetime | None]  # when that deadline's item becomes at risk
    sla_paused_minutes: Mapped[int] = mapped_column(default=0, server_default="0")  # wall minutes spent in pause statuses
    sla_paused_since: Mapped[datetime | None]  # in a pause status now, since


class TicketWatcher(Base):
    """The per-ticket notify list."""

    __tablename__ = "ticket_watchers"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    added_at: Mapped[datetime]


class TicketAssignee(Base):
    """Someone working on the ticket, with their task (one per assignee)."""

    __tablename__ = "ticket_assignees"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    added_at: Mapped[datetime]


class TicketEvent(Base):
    """One entry of a ticket's timeline: a status change, an assignment, a comment, an edit."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(20))  # telegram, web, api or system
    ip: Mapped[str | None] = mapped_column(String(45))
    kind: Mapped[str] = mapped_column(String(30))  # domain.tickets.rows.EventKind
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    text: Mapped[str | None] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(default=False)  # a staff-only note
    data: Mapped[dict[str, Any]]


class TicketAttachment(Base):
    """A photo or file of a ticket (or of one of its comments): Telegram's file_id so it can be re-sent
    without re-uploading, and where it is stored when it was downloaded (`file_key`)."""

    __tablename__ = "ticket_attachments"
    __table_args__ = (UniqueConstraint("ticket_id", "telegram_unique_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_events.id", ondelete="SET NULL"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))  # photo or document
    telegram_file_id: Mapped[str | None] = mapped_column(String(250))
    telegram_unique_id: Mapped[str | None] = mapped_column(String(100))
    file_key: Mapped[str | None] = mapped_column(String(250))
    filename: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(BigInteger)
    internal: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
