"""Who Taskbell can reach on Telegram: never linked, blocked the bot, or disabled, else reachable.

One query, used by the Delivery page (why a notification was not delivered), the attendance sheet
and the batch rosters (which students and parents cannot be reached)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.actors import Actor, load_active
from domain.models import Person, PersonStatus, Role
from domain.uow import UnitOfWork


class Reach(StrEnum):
    """Whether a person's Telegram chat can receive messages, and if not why."""

    REACHABLE = "reachable"
    NEVER_LINKED = "never_linked"
    BLOCKED = "blocked"
    DISABLED = "disabled"

    @property
    def reason(self) -> str:
        """A short sentence for people: why messages do not reach this person."""
        return REASONS[self]


REASONS = {
    Reach.REACHABLE: "can be reached on Telegram",
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
    """The reach of each of `person_ids` (inside another service's transaction)."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    rows = session.execute(select(Person.id, Person.status, Person.telegram_chat_id,
                                  Person.telegram_unreachable_at).where(Person.id.in_(ids)))
    return {pid: reach_of(status, chat, at) for pid, status, chat, at in rows}


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
                if reach != Reach.REACHABLE}
