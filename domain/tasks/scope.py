"""Who may see and assign which tasks: the teacher scope, written once and used by every task query.

Admins see and assign everything. Teachers see the tasks they assigned and the tasks of the people in
the groups they run, and assign to those groups and people. Everyone sees their own tasks.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from domain.actors import Actor, load_active
from domain.errors import Forbidden, NotFound
from domain.groups.queries import group_scope
from domain.models import Group, GroupMember, Person, Role, Task
from domain.perms.catalogue import TASKS_ASSIGN
from domain.perms.check import can

STAFF = (Role.ADMIN, Role.TEACHER)  # who assigns tasks and uses the task console


def load_staff(session: Session, actor: Actor, refusal: str) -> Person:
    """The acting person, active and holding tasks.assign (admins, teachers); else Forbidden with `refusal`."""
    me = load_active(session, actor)
    if not can(session, me, TASKS_ASSIGN):
        raise Forbidden(refusal)
    return me


def members_of_groups_run_by(person_id: int) -> Select[tuple[int]]:
    """The ids of the people in the groups this person runs."""
    return (select(GroupMember.person_id).join(Group, Group.id == GroupMember.group_id)
            .where(Group.owner_id == person_id))


def visible_tasks(me: Person) -> list[ColumnElement[bool]]:
    """Conditions on Task: admins see every task; others the ones they assigned or of their groups' people."""
    if me.role == Role.ADMIN:
        return []
    return [or_(Task.assigner_id == me.id, Task.assignee_id.in_(members_of_groups_run_by(me.id)))]


def reviewable_tasks(me: Person) -> list[ColumnElement[bool]]:
    """Conditions on Task: the tasks this person reviews (approve or reopen): admins all, others the ones they
    assigned."""
    return [] if me.role == Role.ADMIN else [Task.assigner_id == me.id]


def authorise_person_tasks(session: Session, me: Person, person_id: int) -> None:
    """One person's task list is for themself, admins, and teachers running a group they are in."""
    if me.id != person_id and me.role != Role.ADMIN:
        in_my_group = me.role == Role.TEACHER and session.scalar(
            members_of_groups_run_by(me.id).where(GroupMember.person_id == person_id).limit(1))
        if not in_my_group:
            raise Forbidden("You can see only your own tasks and those of people in your groups.")
    if session.get(Person, person_id) is None:
        raise NotFound("No such person.")


def assignable_groups(me: Person) -> list[ColumnElement[bool]]:
    """Conditions on Group: the groups this person may assign to (admins: all; teachers: theirs)."""
    return group_scope(me)


def assignable_people(me: Person) -> list[ColumnElement[bool]]:
    """Conditions on Person: the people this person may assign to (admins: all; teachers: their groups')."""
    return [] if me.role == Role.ADMIN else [Person.id.in_(members_of_groups_run_by(me.id))]


def authorise_recipients(session: Session, me: Person, group_ids: Collection[int],
                         person_ids: Collection[int]) -> None:
    """Refuse groups that do not exist, and for teachers groups and people outside their scope."""
    group_ids, person_ids = set(group_ids), set(person_ids)
    found_groups = set(session.scalars(select(Group.id).where(Group.id.in_(group_ids))))
    if missing := group_ids - found_groups:
        raise NotFound(f"No such group: {sorted(missing)}.")
    if me.role == Role.ADMIN:
        return
    own_groups = set(session.scalars(select(Group.id).where(*assignable_groups(me))))
    if not group_ids <= own_groups:
        raise Forbidden("You can assign only to the groups you run.")
    if person_ids:
        reachable = set(session.scalars(
            members_of_groups_run_by(me.id).where(GroupMember.person_id.in_(person_ids))))
        if not person_ids <= reachable:
            raise Forbidden("You can assign only to people in the groups you run.")
