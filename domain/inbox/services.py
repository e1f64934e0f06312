"""The teacher's action inbox: open items and resolving them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from domain import audit
from domain.actors import Actor, load_active
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.models import (
    ActionStatus,
    ParentLink,
    PendingAction,
    Role,
)
from domain.outbox import Intent, NotificationKind, enqueue
from domain.uow import UnitOfWork

# --- the inbox ----------------------------------------------------------------------------

RESOLUTIONS = ("reviewed", "notify_parent", "ignore")
# Kinds whose message to the parents the teacher must read before it goes (it is not the item's summary).
PREVIEW_FIRST = {"student_risk": "The parents' message for a risk item is shown before it is sent: open "
                                 "/admin/risk/student/{student_id} on the console (send /web for a link)."}


@dataclass(frozen=True)
class InboxItem:
    """One item of a teacher's inbox (a missed class, an absence streak, low attendance)."""

    id: int
    kind: str
    owner_id: int
    batch_id: int | None
    session_id: int | None
    student_id: int | None
    summary: str
    status: ActionStatus
    created_at: datetime
    resolution: str | None
    note: str | None


def _item(a: PendingAction) -> InboxItem:
    return InboxItem(a.id, a.kind, a.owner_id, a.batch_id, a.session_id, a.student_id, a.summary, a.status,
                     a.created_at, a.resolution, a.note)


def _open_of(person_id: int) -> tuple[ColumnElement[bool], ...]:
    """A person's open items: /inbox, the console's Inbox and the brief's count all use this."""
    return PendingAction.owner_id == person_id, PendingAction.status == ActionStatus.OPEN


def open_count(session: Session, person_id: int) -> int:
    """How many open items a person's inbox holds (the brief says this number)."""
    return int(session.scalar(select(func.count()).select_from(PendingAction).where(*_open_of(person_id))) or 0)


def open_actions(uow: UnitOfWork, actor: Actor) -> list[InboxItem]:
    """The actor's open items, oldest first (teachers and admins)."""
    with uow:
        me = load_active(uow.session, actor, Role.TEACHER, Role.ADMIN)
        return [_item(a) for a in uow.session.scalars(select(PendingAction).where(*_open_of(me.id))
                                                      .order_by(PendingAction.created_at, PendingAction.id))]


def resolve_action(uow: UnitOfWork, actor: Actor, action_id: int, resolution: str, note: str = "") -> InboxItem:
    """Resolve an item (its owner or an admin); notify_parent sends the note to the student's parents."""
    if resolution not in RESOLUTIONS:
        raise InvalidInput(f"Choose one of: {', '.join(RESOLUTIONS)}.")
    with uow:
        me = load_active(uow.session, actor, Role.TEACHER, Role.ADMIN)
        action = uow.session.get(PendingAction, action_id)
        if action is None:
            raise NotFound("No such item.")
        if action.owner_id != me.id and me.role != Role.ADMIN:
            raise Forbidden("This item is in another teacher's inbox.")
        if action.status == ActionStatus.RESOLVED:
            return _item(action)
        if resolution == "notify_parent" and action.kind in PREVIEW_FIRST:
            raise InvalidInput(PREVIEW_FIRST[action.kind].format(student_id=action.student_id))
        taken = uow.session.execute(update(PendingAction).where(
            PendingAction.id == action.id, PendingAction.status == ActionStatus.OPEN).values(
            status=ActionStatus.RESOLVED, resolution=resolution, note=note.strip()[:1000],
            resolved_at=uow.now, resolved_by=me.id).execution_options(synchronize_session=False)).rowcount
        uow.session.refresh(action)
        if not taken:  # resolved by someone else a moment ago
            return _item(action)
        if resolution == "notify_parent" and action.student_id:
            parents = uow.session.scalars(select(ParentLink.parent_id).where(ParentLink.child_id == action.student_id))
            enqueue(uow.session, [Intent(NotificationKind.TEACHER_NOTE, p, f"note:{action.id}:{p}",
                                         {"action_id": action.id, "note": action.note or action.summary},
                                         "action", action.id) for p in parents], uow.now)
        audit.record(uow.session, actor, "action.resolve", "pending_action", action.id, uow.now,
                     resolution=resolution)
        uow.commit()
        return _item(action)


def action_info(uow: UnitOfWork, action_id: int) -> InboxItem:
    """One item, for the message that announces it (no authorisation: the recipient is its owner)."""
    with uow:
        action = uow.session.get(PendingAction, action_id)
        if action is None:
            raise NotFound("No such item.")
        return _item(action)


