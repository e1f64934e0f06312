"""Who may use the console (the acting person, loaded and checked) and what they see of other people."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from domain import pii
from domain.actors import Actor, load_active
from domain.models import (
    Person,
    PersonStatus,
    Role,
)
from domain.perms.catalogue import PII_FULL
from domain.perms.check import can
from domain.uow import UnitOfWork

CONSOLE_ROLES = (Role.ADMIN, Role.TEACHER)


@dataclass(frozen=True)
class Viewer:
    id: int
    name: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


def load_viewer(uow: UnitOfWork, actor: Actor, *roles: Role) -> Person:
    """The acting person, active and in `roles` (default: admins and teachers), within an open uow."""
    return load_active(uow.session, actor, *(roles or CONSOLE_ROLES))


def console_viewer(uow: UnitOfWork, actor: Actor) -> Viewer:
    """The signed-in person if they may use the console (admins and teachers), else Forbidden."""
    with uow:
        me = load_viewer(uow, actor)
        return Viewer(me.id, me.name, me.role)



@dataclass(frozen=True)
class Member:
    """A person as a group's page and the paste matcher show them (phone as `phone_for` allows)."""

    id: int
    name: str
    phone: str
    role: Role
    status: PersonStatus


def phone_for(session: Session, viewer: Person) -> Callable[[str], str]:
    """Holders of pii.full (admins by default) see phone numbers; others see them masked (77****0123)."""
    if can(session, viewer, PII_FULL):
        return lambda phone: phone
    return lambda phone: pii.mask_phone(phone) or ""
