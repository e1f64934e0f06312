"""Read models: plain snapshots the bot and the web render (no ORM objects leave a unit of work)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from domain.errors import NotFound
from domain.models import Assignment, Group, GroupMember, Person, Priority, Role, Task, TaskStatus
from domain.uow import UnitOfWork


@dataclass(frozen=True)
class TaskCard:
    id: int
    assignment_id: int
    title: str
    description: str
    priority: Priority
    status: TaskStatus
    due_at: datetime | None
    requires_review: bool
    assignee_id: int
    assignee_name: str
    assignee_timezone: str | None
    assigner_id: int
    assigner_name: str
    last_note: str | None
    done_count: int
    total_count: int


def task_card(uow: UnitOfWork, task_id: int) -> TaskCard:
    assignee, assigner = aliased(Person), aliased(Person)
    with uow:
        row = uow.session.execute(
            select(Task, assignee.name, assignee.timezone, assigner.name)
            .join(assignee, assignee.id == Task.assignee_id)
            .join(assigner, assigner.id == Task.assigner_id)
            .where(Task.id == task_id)).first()
        if row is None:
            raise NotFound("No such task.")
        task, assignee_name, tz, assigner_name = row
        done, total = uow.session.execute(
            select(func.sum(case((Task.status.in_([TaskStatus.DONE, TaskStatus.RESOLVED]), 1), else_=0)),
                   func.count())
            .where(Task.assignment_id == task.assignment_id, Task.status != TaskStatus.CANCELLED)).one()
    return TaskCard(task.id, task.assignment_id, task.title, task.description, task.priority, task.status,
                    task.due_at, task.requires_review, task.assignee_id, assignee_name, tz,
                    task.assigner_id, assigner_name, task.last_note, int(done or 0), int(total or 0))


@dataclass(frozen=True)
class Profile:
    id: int
    name: str
    role: Role
    phone: str
    timezone: str | None
    groups: list[str]
    children: list[str]


def person_by_telegram(uow: UnitOfWork, telegram_user_id: int) -> Person | None:
    """The linked person for a Telegram account, whatever their status."""
    with uow:
        return uow.session.scalar(select(Person).where(Person.telegram_user_id == telegram_user_id))


def profile(uow: UnitOfWork, person_id: int) -> Profile:
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


def assignment_title(uow: UnitOfWork, assignment_id: int) -> str:
    with uow:
        title = uow.session.scalar(select(Assignment.title).where(Assignment.id == assignment_id))
    if title is None:
        raise NotFound("No such assignment.")
    return title
