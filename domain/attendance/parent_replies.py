"""A parent's reply to an absence or a teacher's note reaches the class's teacher, and back again.

A direct relay through the outbox: each side sees the other's name and the class, never a phone.
The message each side receives is itself a conversation message: replying to it answers the sender.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from domain import audit
from domain.actors import Actor, load_active
from domain.errors import InvalidInput
from domain.models import Batch, BatchTeacher, ClassSession, ParentLink, PendingAction, Person
from domain.outbox import Intent, NotificationKind, enqueue
from domain.replies import SentMessage
from domain.uow import UnitOfWork
from domain.words import day_text

MAX_TEXT = 3000
MAX_PHOTOS = 3
# The messages a reply to which starts (or continues) a conversation.
RELAYED_KINDS = frozenset({NotificationKind.ABSENCE.value, NotificationKind.TEACHER_NOTE.value,
                           NotificationKind.FAMILY_MESSAGE.value})


@dataclass(frozen=True)
class Relayed:
    """Who the reply went to (names only)."""

    recipients: tuple[str, ...]


def _names(uow: UnitOfWork, ids: list[int]) -> dict[int, str]:
    return {pid: name for pid, name in uow.session.execute(select(Person.id, Person.name).where(Person.id.in_(ids)))}


def _absence_target(uow: UnitOfWork, sent: SentMessage) -> tuple[list[int], str, int | None]:
    """The class's teachers, what it is about, and the child."""
    cs = uow.session.get(ClassSession, int(sent.data["session_id"]))
    if cs is None:
        return [], "", None
    batch = uow.session.get(Batch, cs.batch_id)
    teachers = list(uow.session.scalars(select(BatchTeacher.person_id).where(BatchTeacher.batch_id == cs.batch_id)))
    return teachers, f"{batch.name if batch else 'a class'}, {day_text(cs.on_date)}", int(sent.data["student_id"])


def _note_target(uow: UnitOfWork, sent: SentMessage) -> tuple[list[int], str, int | None]:
    action = uow.session.get(PendingAction, int(sent.data["action_id"]))
    if action is None:
        return [], "", None
    batch = uow.session.get(Batch, action.batch_id) if action.batch_id else None
    return [action.owner_id], batch.name if batch else "your child's class", action.student_id


def relay_reply(uow: UnitOfWork, actor: Actor, sent: SentMessage, text: str, photos: list[str],
                reply_key: str) -> Relayed:
    """Pass a reply to one of these messages on to the other side, as a message they can reply to."""
    text = (text or "").strip()
    if not text and not photos:
        raise InvalidInput("Write something (or send a photo) to pass on.")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"That is too long to pass on (at most {MAX_TEXT} characters).")
    with uow:
        me = load_active(uow.session, actor)
        if sent.recipient_id != me.id or sent.kind not in RELAYED_KINDS:
            raise InvalidInput("That message is not part of a conversation.")
        if sent.kind == NotificationKind.ABSENCE:
            to, about, child = _absence_target(uow, sent)
        elif sent.kind == NotificationKind.TEACHER_NOTE:
            to, about, child = _note_target(uow, sent)
        else:
            to, about, child = [int(sent.data["from_id"])], str(sent.data.get("about", "")), sent.data.get("child_id")
        to = [p for p in to if p != me.id]
        if not to:
            raise InvalidInput("Nobody is there to answer this any more; please contact the school directly.")
        sender = me.name
        if child is not None and uow.session.get(ParentLink, (me.id, child)) is not None:
            child_name = _names(uow, [child]).get(child, "")
            sender = f"{me.name} (parent of {child_name})" if child_name else me.name
        data = {"from_id": me.id, "from_name": sender, "about": about, "child_id": child, "text": text,
                "photos": photos[:MAX_PHOTOS]}
        enqueue(uow.session, [Intent(NotificationKind.FAMILY_MESSAGE, p, f"family:{reply_key}:{p}", data,
                                     "person", me.id) for p in to], uow.now)
        audit.record(uow.session, actor, "family.message", "notification", sent.notification_id, uow.now,
                     recipients=len(to))
        names = _names(uow, to)
        uow.commit()
        return Relayed(tuple(names.get(p, "someone") for p in to))
