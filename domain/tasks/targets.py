"""What an admin or a teacher may assign to: groups and people in their scope."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from domain.actors import Actor, load_active
from domain.models import Group, GroupMember, Person, PersonStatus
from domain.perms.catalogue import TASKS_ASSIGN
from domain.perms.check import can
from domain.tasks.scope import assignable_groups, assignable_people, load_staff
from domain.uow import UnitOfWork

MAY_NOT_ASSIGN = "Only teachers and admins can assign tasks."


@dataclass(frozen=True)
class Target:
    kind: str  # "group" or "person"
    id: int
    label: str


def check_assigner(uow: UnitOfWork, actor: Actor) -> None:
    """Refuse (Forbidden) anyone who may not assign tasks, before a conversation asks them anything."""
    with uow:
        load_staff(uow.session, actor, MAY_NOT_ASSIGN)


def assignable_targets(uow: UnitOfWork, actor: Actor, search: str | None = None) -> list[Target]:
    """Groups and active people the acting person may assign to (none unless an admin or a teacher)."""
    with uow:
        me = load_active(uow.session, actor)
        if not can(uow.session, me, TASKS_ASSIGN):
            return []
        group_q = (select(Group.id, Group.name, func.count(GroupMember.person_id))
                   .outerjoin(GroupMember, GroupMember.group_id == Group.id).where(*assignable_groups(me))
                   .group_by(Group.id, Group.name).order_by(Group.name))
        people_q = (select(Person.id, Person.name)
                    .where(Person.status == PersonStatus.ACTIVE, Person.id != me.id, *assignable_people(me))
                    .order_by(Person.name))
        if search:
            like = f"%{search.strip()}%"
            group_q = group_q.where(Group.name.ilike(like))
            people_q = people_q.where(Person.name.ilike(like))
        groups = [Target("group", gid, f"{name} ({n})") for gid, name, n in uow.session.execute(group_q)]
        people = [Target("person", pid, name) for pid, name in uow.session.execute(people_q)]
    return groups + people
