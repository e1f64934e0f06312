"""What a manager may assign to: groups and people in their scope."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from domain.models import Group, GroupMember, Person, Role
from domain.uow import UnitOfWork

# --- what a manager may assign to ---------------------------------------------------------

@dataclass(frozen=True)
class Target:
    kind: str  # "group" or "person"
    id: int
    label: str


def assignable_targets(uow: UnitOfWork, person_id: int, search: str | None = None) -> list[Target]:
    """Groups and active people this person may assign to (admins: all; teachers: their groups)."""
    from domain.models import PersonStatus

    with uow:
        me = uow.session.get(Person, person_id)
        if me is None or me.role not in (Role.ADMIN, Role.TEACHER):
            return []
        group_q = select(Group.id, Group.name, func.count(GroupMember.person_id)).outerjoin(
            GroupMember, GroupMember.group_id == Group.id).group_by(Group.id, Group.name).order_by(Group.name)
        people_q = select(Person.id, Person.name).where(
            Person.status == PersonStatus.ACTIVE, Person.id != person_id).order_by(Person.name)
        if me.role == Role.TEACHER:
            group_q = group_q.where(Group.owner_id == person_id)
            people_q = people_q.where(Person.id.in_(
                select(GroupMember.person_id).join(Group, Group.id == GroupMember.group_id)
                .where(Group.owner_id == person_id)))
        if search:
            like = f"%{search.strip()}%"
            group_q = group_q.where(Group.name.ilike(like))
            people_q = people_q.where(Person.name.ilike(like))
        groups = [Target("group", gid, f"{name} ({n})") for gid, name, n in uow.session.execute(group_q)]
        people = [Target("person", pid, name) for pid, name in uow.session.execute(people_q)]
    return groups + people


