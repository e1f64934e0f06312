"""A person's profile, and the person behind a Telegram account."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from domain.errors import NotFound
from domain.models import Group, GroupMember, Person, PersonStatus, Role
from domain.uow import UnitOfWork


@dataclass(frozen=True)
class Profile:
    id: int
    name: str
    role: Role
    phone: str
    timezone: str | None
    groups: list[str]
    children: list[str]


@dataclass(frozen=True)
class LinkedPerson:
    """The person behind a Telegram account, as the bot's handlers need them."""

    id: int
    name: str
    role: Role
    status: PersonStatus
    phone: str
    timezone: str | None
    telegram_user_id: int
    telegram_chat_id: int | None
    link_generation: int

    @property
    def active(self) -> bool:
        return self.status == PersonStatus.ACTIVE


@dataclass(frozen=True)
class PersonInfo:
    """A person as the people services return them (a snapshot; never the ORM row)."""

    id: int
    name: str
    phone: str
    role: Role
    status: PersonStatus
    telegram_user_id: int | None
    telegram_chat_id: int | None
    timezone: str | None
    link_generation: int

    @property
    def is_active(self) -> bool:
        return self.status == PersonStatus.ACTIVE

    @classmethod
    def of(cls, p: Person) -> PersonInfo:
        """The snapshot of an ORM row, taken inside its unit of work."""
        return cls(p.id, p.name, p.phone, p.role, p.status, p.telegram_user_id, p.telegram_chat_id,
                   p.timezone, p.link_generation)


def person_by_telegram(uow: UnitOfWork, telegram_user_id: int) -> LinkedPerson | None:
    """The linked person for a Telegram account, whatever their status."""
    with uow:
        p = uow.session.scalar(select(Person).where(Person.telegram_user_id == telegram_user_id))
        if p is None:
            return None
        return LinkedPerson(p.id, p.name, p.role, p.status, p.phone, p.timezone, telegram_user_id,
                            p.telegram_chat_id, p.link_generation)


def profile(uow: UnitOfWork, person_id: int) -> Profile:
    """A person's name, role, phone, time zone, groups and children."""
    from domain.models import ParentLink

    with uow:
        person = uow.session.get(Person, person_id)
        if person is None:
            raise NotFound("No such person.")
        groups = list(uow.session.scalars(
            select(Group.name).join(GroupMember, GroupMember.group_id == Group.id)
            .where(GroupMember.person_id == person_id).order_by(Group.name)))
        owned = list(uow.session.scalars(select(Group.name).where(Group.owner_id == person_id)))
        children = list(uow.session.scalars(
            select(Person.name).join(ParentLink, ParentLink.child_id == Person.id)
            .where(ParentLink.parent_id == person_id).order_by(Person.name)))
    return Profile(person.id, person.name, person.role, person.phone, person.timezone,
                   sorted(set(groups) | {f"{g} (runs)" for g in owned}), children)
