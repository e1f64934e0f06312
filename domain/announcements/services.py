"""Posting an announcement (one transaction: the row, its recipients, their outbox intents and the audit
entry), the console's list with delivered counts, and what a person received (the portal)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import distinct, func, insert, or_, select

from domain.actors import Actor
from domain.announcements.targets import Target, recipients, resolve, targets_for
from domain.audit import record
from domain.errors import InvalidInput
from domain.models import (
    Announcement,
    AnnouncementRecipient,
    BatchTeacher,
    Notification,
    NotificationStatus,
    Person,
)
from domain.outbox import Intent, NotificationKind, enqueue
from domain.perms.catalogue import ALERTS_BROADCAST, ANNOUNCE
from domain.perms.check import can, require
from domain.textinput import check_text
from domain.uow import ORG_TZ, UnitOfWork

MAX_TITLE = 120
MAX_TEXT = 3500  # with the title and the signature, well inside Telegram's 4,096


@dataclass(frozen=True)
class Posted:
    """What posting did: the announcement and how many people it is on its way to."""

    announcement_id: int
    target: str
    recipients: int


@dataclass(frozen=True)
class AnnouncementRow:
    """One past announcement on the console, with how far its delivery got."""

    id: int
    title: str
    text: str
    urgent: bool
    target: str
    author: str
    created_at: datetime
    recipients: int
    delivered: int  # recipients with at least one message sent (Telegram or email)


@dataclass(frozen=True)
class AnnouncementItem:
    """An announcement as its recipient reads it."""

    id: int
    title: str
    text: str
    urgent: bool
    author: str
    target: str
    created_at: datetime


def my_targets(uow: UnitOfWork, actor: Actor) -> list[Target]:
    """The batches, groups, teams and roles the actor may announce to."""
    with uow:
        person = require(uow.session, actor, ANNOUNCE)
        return targets_for(uow.session, person)


def clean(title: str, text: str) -> tuple[str, str]:
    """The title (one line) and the text, checked: both needed, within their limits."""
    title = " ".join((title or "").split())
    text = (text or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise InvalidInput(f"A title of 1 to {MAX_TITLE} characters, please.")
    if not text or len(text) > MAX_TEXT:
        raise InvalidInput(f"A text of 1 to {MAX_TEXT} characters, please.")
    check_text(title, "The title")
    check_text(text, "The text")
    return title, text


def post(uow: UnitOfWork, actor: Actor, target_key: str, title: str, text: str, *,
         urgent: bool = False) -> Posted:
    """Post an announcement to a target the actor may use; everyone it reaches is told (quiet hours hold
    it until morning unless it is urgent). Nobody to tell is refused, and nothing is posted."""
    title, text = clean(title, text)
    with uow:
        person = require(uow.session, actor, ANNOUNCE)
        target = resolve(uow.session, person, target_key)
        now = uow.now
        today = now.astimezone(ZoneInfo(str(uow.session.info.get(ORG_TZ) or "UTC"))).date()
        reached, portal = recipients(uow.session, target, today)
        if not reached:
            raise InvalidInput(f"Nobody is in {target.label} yet: nothing was sent.")
        row = Announcement(title=title, text=text, urgent=urgent, target_kind=target.kind,
                           target_id=int(target.ref) if target.ref.isdigit() else None,
                           target_role=None if target.ref.isdigit() else target.ref,
                           target_name=target.label[:120], created_by_id=person.id, created_at=now)
        uow.session.add(row)
        uow.session.flush()
        uow.session.execute(insert(AnnouncementRecipient.__table__), [
            {"announcement_id": row.id, "person_id": pid, "for_student_id": child} for pid, child in reached.items()])
        children = {i: n for i, n in uow.session.execute(select(Person.id, Person.name).where(
            Person.id.in_({c for c in reached.values() if c is not None})))}
        base = {"announcement_id": row.id, "title": title, "text": text, "urgent": urgent,
                "author": person.name, "target": target.label}
        enqueue(uow.session, [
            Intent(NotificationKind.ANNOUNCEMENT, pid, f"announcement:{row.id}:{pid}",
                   {**base, "about": children.get(child) if child is not None else None, "portal": pid in portal},
                   "announcement", row.id) for pid, child in reached.items()], now)
        record(uow.session, actor, "announcement.posted", "announcement", row.id, now, target=target.key,
               title=title, urgent=urgent, recipients=len(reached))
        uow.commit()
        return Posted(row.id, target.label, len(reached))


def list_posted(uow: UnitOfWork, actor: Actor, limit: int = 50) -> list[AnnouncementRow]:
    """Past announcements, newest first, with recipients and delivered counts: every one for broadcasters,
    else one's own and those to the batches one teaches."""
    with uow:
        person = require(uow.session, actor, ANNOUNCE)
        q = (select(Announcement, Person.name).outerjoin(Person, Person.id == Announcement.created_by_id)
             .order_by(Announcement.created_at.desc(), Announcement.id.desc()).limit(limit))
        if not can(uow.session, person, ALERTS_BROADCAST):
            mine = select(BatchTeacher.batch_id).where(BatchTeacher.person_id == person.id)
            q = q.where(or_(Announcement.created_by_id == person.id,
                            (Announcement.target_kind == "batch") & Announcement.target_id.in_(mine)))
        rows = uow.session.execute(q).all()
        ids = [a.id for a, _ in rows]
        told: dict[int, int] = {k: v for k, v in uow.session.execute(
            select(AnnouncementRecipient.announcement_id, func.count())
            .where(AnnouncementRecipient.announcement_id.in_(ids)).group_by(AnnouncementRecipient.announcement_id))} if ids else {}
        sent: dict[int, int] = {k: v for k, v in uow.session.execute(
            select(Notification.subject_id, func.count(distinct(Notification.recipient_id)))
            .where(Notification.subject_type == "announcement", Notification.subject_id.in_(ids),
                   Notification.status == NotificationStatus.SENT).group_by(Notification.subject_id))} if ids else {}
    return [AnnouncementRow(a.id, a.title, a.text, a.urgent, a.target_name, author or "(gone)", a.created_at,
                            int(told.get(a.id, 0)), int(sent.get(a.id, 0))) for a, author in rows]


def received_by(uow: UnitOfWork, person_id: int, limit: int = 20, *, direct_only: bool = False
                ) -> list[AnnouncementItem]:
    """The announcements one person was among the recipients of, newest first (used by the portal,
    whose identity comes from its link or session; inside the caller's unit of work). `direct_only`: not
    those a parent received as a student's parent (the portal shows them with the student)."""
    q = (select(Announcement, Person.name)
         .join(AnnouncementRecipient, AnnouncementRecipient.announcement_id == Announcement.id)
         .outerjoin(Person, Person.id == Announcement.created_by_id)
         .where(AnnouncementRecipient.person_id == person_id,
                *([AnnouncementRecipient.for_student_id.is_(None)] if direct_only else []))
         .order_by(Announcement.created_at.desc(), Announcement.id.desc()).limit(limit))
    return [AnnouncementItem(a.id, a.title, a.text, a.urgent, author or "", a.target_name, a.created_at)
            for a, author in uow.session.execute(q)]
