"""A person's permissions as the console shows them, and granting or revoking one (people.manage; audited)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import delete

from domain import audit
from domain.actors import Actor
from domain.errors import InvalidInput, NotFound
from domain.models import Person, PersonPermission, Role
from domain.perms.catalogue import PEOPLE_MANAGE, PERMISSIONS, defaults_for
from domain.perms.check import overrides, require, require_or_system
from domain.uow import UnitOfWork

Change = Literal["grant", "revoke", "default"]
CHANGES: tuple[Change, ...] = ("grant", "revoke", "default")


@dataclass(frozen=True)
class PermissionRow:
    name: str
    description: str
    by_role: bool  # the role grants it by default
    override: bool | None  # granted (True) or revoked (False) for this person; None: the role's default
    held: bool


@dataclass(frozen=True)
class PersonPermissions:
    person_id: int
    name: str
    role: Role
    rows: tuple[PermissionRow, ...]


def _rows(uow: UnitOfWork, person: Person) -> PersonPermissions:
    own = overrides(uow.session, person.id)
    defaults = defaults_for(person.role)
    rows = tuple(PermissionRow(name, text, name in defaults, own.get(name),
                               own.get(name, name in defaults)) for name, text in PERMISSIONS.items())
    return PersonPermissions(person.id, person.name, person.role, rows)


def person_permissions(uow: UnitOfWork, actor: Actor, person_id: int) -> PersonPermissions:
    """Every permission with whether the person holds it, by role or by their own grant (people.manage)."""
    with uow:
        require(uow.session, actor, PEOPLE_MANAGE)
        person = uow.session.get(Person, person_id)
        if person is None:
            raise NotFound("No such person.")
        return _rows(uow, person)


def set_permission(uow: UnitOfWork, actor: Actor, person_id: int, permission: str,
                   change: str) -> PersonPermissions:
    """Grant, revoke or return to the role's default one permission of a person (people.manage; audited).
    Nobody changes their own permissions (an admin cannot lock themself out, nor raise themself)."""
    if permission not in PERMISSIONS:
        raise InvalidInput(f"Unknown permission {permission!r}.")
    if change not in CHANGES:
        raise InvalidInput("Choose grant, revoke or default.")
    with uow:
        me = require_or_system(uow.session, actor, PEOPLE_MANAGE)
        person = uow.session.get(Person, person_id)
        if person is None:
            raise NotFound("No such person.")
        if me is not None and me.id == person.id:
            raise InvalidInput("You cannot change your own permissions; ask another administrator.")
        uow.session.execute(delete(PersonPermission).where(
            PersonPermission.person_id == person.id, PersonPermission.permission == permission))
        if change != "default":
            uow.session.add(PersonPermission(person_id=person.id, permission=permission,
                                             allowed=change == "grant", granted_by=me.id if me else None,
                                             at=uow.now))
        audit.record(uow.session, actor, f"permission.{change}", "person", person.id, uow.now,
                     permission=permission)
        uow.session.flush()
        result = _rows(uow, person)
        uow.commit()
        return result
