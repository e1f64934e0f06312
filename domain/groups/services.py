"""Groups: named sets of people that tasks can be assigned to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select

from domain import audit
from domain.actors import Actor, load_active
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.models import Group, GroupMember, Person, Role
from domain.uow import UnitOfWork


def _authorise_group_owner(actor_person: Person | None, group: Group) -> None:
    if actor_person is None or actor_person.role == Role.ADMIN:
        return
    if group.owner_id != actor_person.id:
        raise Forbidden("You can change only the groups you run.")


def _actor(uow: UnitOfWork, actor: Actor) -> Person | None:
    if actor.person_id is None:
        return None  # operator shell
    return load_active(uow.session, actor, Role.ADMIN, Role.TEACHER)


@dataclass(frozen=True)
class GroupInfo:
    """A group just created: its id, name, owner and how many members it got."""

    id: int
    name: str
    owner_id: int | None
    members_added: int


def create_group(
    uow: UnitOfWork, actor: Actor, name: str, member_ids: Iterable[int] = (), owner_id: int | None = None
) -> GroupInfo:
    """Create a uniquely named group with its first members (a teacher owns the groups they create)."""
    with uow:
        me = _actor(uow, actor)
        name = " ".join((name or "").split())
        if not name or len(name) > 120:
            raise InvalidInput("A group needs a name of 1 to 120 characters.")
        if uow.session.scalar(select(Group.id).where(Group.name == name)) is not None:
            raise InvalidInput(f"A group called {name!r} already exists.")
        if me is not None and me.role == Role.TEACHER:
            owner_id = me.id
        group = Group(name=name, owner_id=owner_id, created_at=uow.now)
        uow.session.add(group)
        uow.session.flush()
        added = _add(uow, group, member_ids, me)
        audit.record(uow.session, actor, "group.create", "group", group.id, uow.now,
                     name=name, members=added)
        uow.commit()
        return GroupInfo(group.id, group.name, group.owner_id, added)


TEACHER_MAY_ADD = (Role.STUDENT, Role.MEMBER)


def _add(uow: UnitOfWork, group: Group, member_ids: Iterable[int], by: Person | None = None) -> int:
    wanted = set(member_ids)
    if not wanted:
        return 0
    roles = dict(uow.session.execute(select(Person.id, Person.role).where(Person.id.in_(wanted))).all())
    if missing := wanted - set(roles):
        raise NotFound(f"No such people: {sorted(missing)}.")
    if by is not None and by.role == Role.TEACHER and any(r not in TEACHER_MAY_ADD for r in roles.values()):
        # Group membership widens what a teacher may see and assign to: keep it to students and members.
        raise Forbidden("Teachers can add only students and members to their groups; ask an admin.")
    present = set(uow.session.scalars(
        select(GroupMember.person_id).where(GroupMember.group_id == group.id)
    ))
    new = sorted(wanted - present)
    uow.session.add_all(GroupMember(group_id=group.id, person_id=p, added_at=uow.now) for p in new)
    return len(new)


def add_members(uow: UnitOfWork, actor: Actor, group_id: int, member_ids: Iterable[int]) -> int:
    """Add people to a group the actor may manage; returns how many were new to it."""
    with uow:
        me = _actor(uow, actor)
        group = uow.session.get(Group, group_id)
        if group is None:
            raise NotFound("No such group.")
        _authorise_group_owner(me, group)
        added = _add(uow, group, member_ids, me)
        audit.record(uow.session, actor, "group.add_members", "group", group.id, uow.now, added=added)
        uow.commit()
        return added


def remove_member(uow: UnitOfWork, actor: Actor, group_id: int, person_id: int) -> None:
    """Take a person out of a group the actor may manage."""
    with uow:
        me = _actor(uow, actor)
        group = uow.session.get(Group, group_id)
        if group is None:
            raise NotFound("No such group.")
        _authorise_group_owner(me, group)
        uow.session.execute(delete(GroupMember).where(
            GroupMember.group_id == group_id, GroupMember.person_id == person_id))
        audit.record(uow.session, actor, "group.remove_member", "group", group.id, uow.now,
                     person_id=person_id)
        uow.commit()
