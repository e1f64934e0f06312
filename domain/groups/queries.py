"""Groups as the console lists them, and deleting one."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import aliased

from domain import audit, pii
from domain.actors import Actor
from domain.errors import Forbidden, NotFound
from domain.models import (
    Group,
    GroupMember,
    Person,
    Role,
)
from domain.people.viewer import Member, load_viewer
from domain.uow import UnitOfWork

# --- groups --------------------------------------------------------------------------------

@dataclass(frozen=True)
class GroupRow:
    id: int
    name: str
    owner_id: int | None
    owner_name: str | None
    member_count: int


@dataclass(frozen=True)
class GroupDetail:
    id: int
    name: str
    owner_name: str | None
    members: list[Member]


def group_scope(me: Person) -> list[ColumnElement[bool]]:
    """The conditions limiting groups to those `me` may see: all for admins, their own for teachers."""
    return [] if me.role == Role.ADMIN else [Group.owner_id == me.id]


def list_groups(uow: UnitOfWork, actor: Actor) -> list[GroupRow]:
    """Admins: every group; teachers: the groups they run."""
    with uow:
        me = load_viewer(uow, actor)
        owner = aliased(Person)
        rows = uow.session.execute(
            select(Group.id, Group.name, Group.owner_id, owner.name, func.count(GroupMember.person_id))
            .outerjoin(owner, owner.id == Group.owner_id)
            .outerjoin(GroupMember, GroupMember.group_id == Group.id)
            .where(*group_scope(me))
            .group_by(Group.id, Group.name, Group.owner_id, owner.name).order_by(Group.name)).all()
    return [GroupRow(i, n, o, on, int(c)) for i, n, o, on, c in rows]


def _load_group_for(uow: UnitOfWork, me: Person, group_id: int) -> Group:
    group = uow.session.get(Group, group_id)
    if group is None:
        raise NotFound("No such group.")
    if me.role != Role.ADMIN and group.owner_id != me.id:
        raise Forbidden("You can see only the groups you run.")
    return group


def group_detail(uow: UnitOfWork, actor: Actor, group_id: int) -> GroupDetail:
    """One group the viewer may see, with its members (phones as the viewer may see them)."""
    with uow:
        me = load_viewer(uow, actor)
        group = _load_group_for(uow, me, group_id)
        owner = uow.session.get(Person, group.owner_id) if group.owner_id else None
        r = pii.redactor(uow.session, actor, me, "console.group", uow.now)
        members = [Member(p.id, p.name, r.phone(p.id, p.phone) or "", p.role, p.status) for p in uow.session.scalars(
            select(Person).join(GroupMember, GroupMember.person_id == Person.id)
            .where(GroupMember.group_id == group_id).order_by(Person.name, Person.id))]
        if r.seen:
            r.done()
            uow.commit()
        return GroupDetail(group.id, group.name, owner.name if owner else None, members)


def delete_group(uow: UnitOfWork, actor: Actor, group_id: int) -> str:
    """Delete a group (its memberships go with it; tasks already assigned stay). Returns its name."""
    with uow:
        me = load_viewer(uow, actor)
        group = _load_group_for(uow, me, group_id)
        name = group.name
        uow.session.execute(delete(GroupMember).where(GroupMember.group_id == group_id))
        uow.session.delete(group)
        audit.record(uow.session, actor, "group.delete", "group", group_id, uow.now, name=name)
        uow.commit()
        return name


