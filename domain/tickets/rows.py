"""The service desk's read models and inputs: frozen dataclasses the bot, the console and the API share.

Inputs:   TicketSpec, Contact, AttachmentIn, TicketFilter (TicketScope)
Answers:  TicketRow (a list line), TicketDetail (a ticket with its timeline, attachments and the
          actions the viewer may take), EventRow, AttachmentRow, Progress, TicketPage, TicketResult.
Vocabulary: EventKind (TicketEvent.kind), Action (what a viewer may do; TicketDetail.actions).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.models import Priority, TicketStatus

MAX_TITLE = 200
MAX_DESCRIPTION = 4000
MAX_COMMENT = 4000
MAX_FIELD = 200
MAX_PAGE = 100
MASK = "hidden"  # what a masked phone or e-mail reads as


STATUS_TEXT = {
    TicketStatus.NEW: "new", TicketStatus.ACCEPTED: "accepted", TicketStatus.REJECTED: "rejected",
    TicketStatus.IN_PROGRESS: "in progress", TicketStatus.DONE: "done, waiting to be resolved",
    TicketStatus.RESOLVED: "resolved", TicketStatus.CANCELLED: "cancelled",
}


def status_text(status: TicketStatus | str) -> str:
    """A ticket status in words (chat and web show this)."""
    return STATUS_TEXT.get(TicketStatus(status), str(status))


class EventKind(enum.StrEnum):
    CREATED = "created"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    ASSIGNED = "assigned"
    STARTED = "started"  # the first task started: in progress
    DONE = "done"  # every task finished
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CANCELLED = "cancelled"
    COMMENT = "comment"
    EDITED = "edited"
    WATCHERS = "watchers"


class Action(enum.StrEnum):
    """What a viewer may do with a ticket now (TicketDetail.actions; buttons show these)."""

    ACCEPT = "accept"
    REJECT = "reject"
    ASSIGN = "assign"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    CANCEL = "cancel"
    COMMENT = "comment"
    NOTE = "note"  # an internal (staff-only) comment
    EDIT = "edit"  # description, fields, photos: until accepted
    WATCH = "watch"  # change the watchers


class TicketScope(enum.StrEnum):
    """Preset views (`/tickets`): every visible one, mine as requester, assigned to me, my teams' open ones."""

    ALL = "all"
    REQUESTED = "requested"
    ASSIGNED = "assigned"
    TEAM = "team"


@dataclass(frozen=True)
class Contact:
    """An outsider a ticket is filed for (by staff); phone and e-mail read MASK for non-team viewers."""

    name: str
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class AttachmentIn:
    """A photo or file received: Telegram's ids, and/or where it was stored (`file_key`)."""

    kind: str = "photo"  # photo or document
    telegram_file_id: str | None = None
    telegram_unique_id: str | None = None
    file_key: str | None = None
    filename: str | None = None
    content_type: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class TicketSpec:
    """What file_ticket needs. `requester_id` None: the actor, unless `contact` names an outsider
    (then only staff of the team or admins may file)."""

    team_id: int
    title: str
    description: str = ""
    priority: Priority = Priority.NORMAL
    fields: dict[str, str] = field(default_factory=dict)
    contact: Contact | None = None
    requester_id: int | None = None
    watcher_ids: Sequence[int] = ()
    attachments: Sequence[AttachmentIn] = ()


@dataclass(frozen=True)
class TicketFilter:
    """What a ticket list is narrowed to; every field optional. Visibility is applied on top, always."""

    scope: TicketScope = TicketScope.ALL
    team_id: int | None = None
    statuses: tuple[TicketStatus, ...] = ()
    open_only: bool = False
    priority: Priority | None = None
    assignee_id: int | None = None
    requester_id: int | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    text: str = ""  # title, description or an extra field (plain substring; the console adds full text)


@dataclass(frozen=True)
class Progress:
    done: int = 0
    total: int = 0

    def __str__(self) -> str:
        return f"{self.done} of {self.total} done" if self.total else "not assigned"


@dataclass(frozen=True)
class TicketRow:
    """One ticket as a list shows it (contact already masked for this viewer)."""

    id: int
    number: int
    title: str
    team_id: int
    team_name: str
    priority: Priority
    status: TicketStatus
    requester_id: int | None
    requester_name: str | None
    contact: Contact | None
    fields: dict[str, Any]
    assignee_ids: tuple[int, ...]
    assignee_names: tuple[str, ...]
    progress: Progress
    created_at: datetime
    updated_at: datetime
    due_at: datetime | None

    @property
    def ref(self) -> str:
        return f"#{self.number}"

    @property
    def who(self) -> str:
        """The requester's name, or the outside contact's."""
        return self.requester_name or (self.contact.name if self.contact else "") or "someone"


@dataclass(frozen=True)
class AttachmentRow:
    id: int
    kind: str
    telegram_file_id: str | None
    file_key: str | None
    filename: str | None
    content_type: str | None
    size: int | None
    event_id: int | None
    internal: bool
    created_at: datetime


@dataclass(frozen=True)
class EventRow:
    """One timeline entry; `channel` telegram/web/api/system, `ip` on the web (staff only)."""

    id: int
    at: datetime
    kind: EventKind
    actor_id: int | None
    actor_name: str | None
    channel: str
    ip: str | None
    from_status: TicketStatus | None
    to_status: TicketStatus | None
    text: str | None
    internal: bool
    data: dict[str, Any]
    attachment_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class TicketDetail:
    """A ticket with everything a detail page needs, as the viewer may see it (internal notes only for staff)."""

    row: TicketRow
    description: str
    reject_reason: str | None
    resolution: str | None
    reopen_count: int
    watchers: tuple[tuple[int, str], ...]
    assignees: tuple[tuple[int, str, int | None], ...]  # (person id, name, task id)
    lead_ids: tuple[int, ...]
    timeline: tuple[EventRow, ...]
    attachments: tuple[AttachmentRow, ...]
    actions: frozenset[Action]
    viewer_roles: frozenset[str]  # admin, lead, member, assignee, requester, watcher
    created_by_id: int | None
    resolved_at: datetime | None

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def status(self) -> TicketStatus:
        return self.row.status

    @property
    def is_staff(self) -> bool:
        """The viewer works the ticket (admin, team member or assignee): sees internal notes."""
        return bool(self.viewer_roles & {"admin", "lead", "member", "assignee"})


@dataclass(frozen=True)
class TicketPage:
    total: int
    limit: int
    offset: int
    items: list[TicketRow]


@dataclass(frozen=True)
class TicketResult:
    """What a change answers: the ticket as it is now (for the actor), whether this call changed it,
    a message fit to show, and the timeline entry it wrote (None when nothing changed)."""

    ticket: TicketDetail
    changed: bool
    message: str
    event_id: int | None = None
