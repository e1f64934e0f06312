"""Who Taskbell can reach on Telegram: never linked, blocked the bot, or disabled, else reachable.

One query, used by the Delivery page (why a notification was not delivered), the attendance sheet
and the batch rosters (which students and parents cannot be reached): `reachability` for people,
`family_reach` for students with their parents (inside a service), `family_reach_of` as a service."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.actors import Actor, load_active
from domain.models import ParentLink, Person, PersonStatus, Role
from domain.uow import EMAIL_ON, UnitOfWork


class Reach(StrEnum):
    """Whether a person's Telegram chat can receive messages, and if not why."""

    REACHABLE = "reachable"
    EMAIL = "email"  # not on Telegram, but their email reaches them (email configured)
    NEVER_LINKED = "never_linked"
    BLOCKED = "blocked"
    DISABLED = "disabled"

    @property
    def reason(self) -> str:
        """A short sentence for people: why messages do not reach this person."""
        return REASONS[self]

    @property
    def reachable(self) -> bool:
        """Messages reach the person by some channel."""
        return self in (Reach.REACHABLE, Reach.EMAIL)


REASONS = {
    Reach.REACHABLE: "can be reached on Telegram",
    Reach.EMAIL: "reached by email only",
    Reach.NEVER_LINKED: "never linked Telegram",
    Reach.BLOCKED: "blocked the bot",
    Reach.DISABLED: "account disabled",
}


def reach_of(status: PersonStatus, chat_id: int | None, unreachable_at: datetime | None) -> Reach:
    """The reach of one person from the columns that decide it."""
    if status == PersonStatus.DISABLED:
        return Reach.DISABLED
    if chat_id is None:
        return Reach.NEVER_LINKED
    if unreachable_at is not None:
        return Reach.BLOCKED
    return Reach.REACHABLE


def reachability(session: Session, person_ids: Iterable[int]) -> dict[int, Reach]:
    """The reach of each of `person_ids` (inside another service's transaction); someone Telegram cannot
    reach whose email can (an address not refused, email configured) is Reach.EMAIL."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    email_on = bool(session.info.get(EMAIL_ON))
    rows = session.execute(select(Person.id, Person.status, Person.telegram_chat_id, Person.telegram_unreachable_at,
                                  Person.email, Person.email_unreachable_at).where(Person.id.in_(ids)))
    out = {}
    for pid, status, chat, at, email, refused in rows:
        reach = reach_of(status, chat, at)
        if reach in (Reach.NEVER_LINKED, Reach.BLOCKED) and email_on and email and refused is None:
            reach = Reach.EMAIL
        out[pid] = reach
    return out


@dataclass(frozen=True)
class Unreachable:
    """A person Taskbell cannot message, and why."""

    person_id: int
    reach: Reach

    @property
    def reason(self) -> str:
        return self.reach.reason


def unreachable_among(uow: UnitOfWork, actor: Actor, person_ids: Iterable[int]) -> dict[int, Unreachable]:
    """Of `person_ids`, those who cannot be reached on Telegram, by id (staff only; e.g. a roster)."""
    with uow:
        load_active(uow.session, actor, Role.ADMIN, Role.TEACHER)
        return {pid: Unreachable(pid, reach) for pid, reach in reachability(uow.session, person_ids).items()
                if not reach.reachable}


@dataclass(frozen=True)
class FamilyReach:
    """Who of a student's family cannot be reached, as short notes ("Pat (parent): blocked the bot")."""

    student_id: int
    student: Reach
    notes: tuple[str, ...]

    @property
    def all_reachable(self) -> bool:
        return not self.notes


def family_reach(session: Session, student_ids: Iterable[int]) -> dict[int, FamilyReach]:
    """For each student: their own reach and notes on whoever of them and their (active) parents
    cannot be reached, so a teacher knows whose absence message will reach nobody."""
    ids = sorted(set(student_ids))
    if not ids:
        return {}
    parents = session.execute(
        select(ParentLink.child_id, Person.id, Person.name).join(Person, Person.id == ParentLink.parent_id)
        .where(ParentLink.child_id.in_(ids), Person.status != PersonStatus.DISABLED)
        .order_by(Person.name)).all()
    reach = reachability(session, [*ids, *(pid for _c, pid, _n in parents)])
    out = {}
    for sid in ids:
        mine = reach.get(sid, Reach.NEVER_LINKED)
        notes = [] if mine.reachable else [f"student: {mine.reason}"]
        notes += [f"{name} (parent): {reach[pid].reason}" for child, pid, name in parents
                  if child == sid and reach.get(pid) is not None and not reach[pid].reachable]
        out[sid] = FamilyReach(sid, mine, tuple(notes))
    return out


def family_reach_of(uow: UnitOfWork, actor: Actor, student_ids: Iterable[int]) -> dict[int, FamilyReach]:
    """family_reach as a service (admins and teachers), e.g. for a batch roster."""
    with uow:
        load_active(uow.session, actor, Role.ADMIN, Role.TEACHER)
        return family_reach(uow.session, student_ids)
