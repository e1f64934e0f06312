"""Who may use the console: the acting person, loaded and checked."""

from __future__ import annotations

from dataclasses import dataclass

from domain.actors import Actor, load_active
from domain.models import (
    Person,
    Role,
)
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

