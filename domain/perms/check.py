"""`can`: the role's default grants plus the person's own grants, minus their revocations."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.actors import Actor, load_active
from domain.errors import Forbidden, InvalidInput
from domain.models import Channel, Person, PersonPermission
from domain.perms.catalogue import PERMISSION_REFUSALS, PERMISSIONS, defaults_for


def overrides(session: Session, person_id: int) -> dict[str, bool]:
    """The person's own grants (True) and revocations (False), by permission."""
    rows = session.execute(select(PersonPermission.permission, PersonPermission.allowed)
                           .where(PersonPermission.person_id == person_id))
    return {str(name): bool(allowed) for name, allowed in rows}


def effective(session: Session, person: Person) -> frozenset[str]:
    """Every permission the person holds now."""
    held = set(defaults_for(person.role))
    for name, allowed in overrides(session, person.id).items():
        (held.add if allowed else held.discard)(name)
    return frozenset(held)


def can(session: Session, person: Person | None, permission: str) -> bool:
    """Whether `person` holds `permission` (None, the operator's shell, holds everything)."""
    if permission not in PERMISSIONS:
        raise InvalidInput(f"Unknown permission {permission!r}.")
    if person is None:
        return True
    row = session.get(PersonPermission, (person.id, permission))
    if row is not None:
        return row.allowed
    return permission in defaults_for(person.role)


def require(session: Session, actor: Actor, permission: str) -> Person:
    """The acting person, active and holding `permission`, else Forbidden."""
    person = load_active(session, actor)
    if not can(session, person, permission):
        raise Forbidden(PERMISSION_REFUSALS.get(permission, f"You need the {permission} permission for this."))
    return person


def require_or_system(session: Session, actor: Actor, permission: str) -> Person | None:
    """The operator's shell (system actor, None) or an active person holding `permission`."""
    if actor.channel == Channel.SYSTEM and actor.person_id is None:
        return None
    return require(session, actor, permission)
