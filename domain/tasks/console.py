"""Tasks as the console searches and exports them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import aliased

from domain.actors import Actor
from domain.csv_export import write_csv
from domain.errors import InvalidInput
from domain.groups.queries import group_scope
from domain.models import (
    OPEN_STATUSES,
    Assignment,
    Group,
    GroupMember,
    Person,
    Role,
    Task,
    TaskStatus,
)
from domain.people.viewer import load_viewer
from domain.tasks.dashboard import TaskPage, TaskRow
from domain.uow import UnitOfWork

MAX_EXPORT_ROWS = 50_000


# --- tasks ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class TaskQuery:
    status: TaskStatus | None = None
    group_id: int | None = None
    assignee_id: int | None = None
    assignment_id: int | None = None
    overdue: bool = False
    text: str = ""


def task_scope(me: Person) -> list[ColumnElement[bool]]:
    if me.role == Role.ADMIN:
        return []
    members = (select(GroupMember.person_id).join(Group, Group.id == GroupMember.group_id)
               .where(Group.owner_id == me.id))
    return [or_(Task.assigner_id == me.id, Task.assignee_id.in_(members))]


def _task_conditions(q: TaskQuery, now: datetime) -> list[ColumnElement[bool]]:
    c: list[ColumnElement[bool]] = []
    if q.status is not None:
        c.append(Task.status == q.status)
    if q.group_id is not None:
        c.append(Task.assignee_id.in_(select(GroupMember.person_id).where(GroupMember.group_id == q.group_id)))
    if q.assignee_id is not None:
        c.append(Task.assignee_id == q.assignee_id)
    if q.assignment_id is not None:
        c.append(Task.assignment_id == q.assignment_id)
    if q.overdue:
        c.append(and_(Task.status.in_(OPEN_STATUSES), Task.due_at.is_not(None), Task.due_at < now))
    text = " ".join((q.text or "").split())
    if text:
        c.append(or_(Task.title.ilike(f"%{text}%"), Task.description.ilike(f"%{text}%")))
    return c


def _task_rows(uow: UnitOfWork, conditions: list[ColumnElement[bool]], limit: int, offset: int
               ) -> list[TaskRow]:
    assignee, assigner = aliased(Person), aliased(Person)
    rows = uow.session.execute(
        select(Task, assignee.name, assigner.name)
        .join(assignee, assignee.id == Task.assignee_id).join(assigner, assigner.id == Task.assigner_id)
        .where(*conditions).order_by(Task.created_at.desc(), Task.id.desc()).limit(limit).offset(offset)).all()
    return [TaskRow(t.id, t.assignment_id, t.title, t.description, t.priority, t.status, t.due_at,
                    t.requires_review, t.assignee_id, a, t.assigner_id, b, t.created_at, t.updated_at,
                    t.started_at, t.completed_at, t.resolved_at, t.cancelled_at, t.reopen_count, t.last_note)
            for t, a, b in rows]


def search_tasks(uow: UnitOfWork, actor: Actor, q: TaskQuery = TaskQuery(), *, limit: int = 50,
                 offset: int = 0) -> TaskPage:
    """Tasks the viewer may see (admins: all; teachers: assigned by them or to their groups' people)."""
    if not 1 <= limit <= 500 or offset < 0:
        raise InvalidInput("The page is out of range.")
    with uow:
        me = load_viewer(uow, actor)
        conditions = task_scope(me) + _task_conditions(q, uow.now)
        total = uow.session.scalar(select(func.count()).select_from(Task).where(*conditions)) or 0
        return TaskPage(int(total), limit, offset, _task_rows(uow, conditions, limit, offset))


def tasks_csv(uow: UnitOfWork, actor: Actor, q: TaskQuery = TaskQuery()) -> str:
    with uow:
        me = load_viewer(uow, actor)
        rows = _task_rows(uow, task_scope(me) + _task_conditions(q, uow.now), MAX_EXPORT_ROWS, 0)

    def t(value: datetime | None) -> str:
        return value.isoformat() if value else ""

    return write_csv(["task_id", "assignment_id", "title", "assignee", "assigner", "status", "priority", "due_at",
                 "created_at", "started_at", "completed_at", "cancelled_at", "requires_review"],
                ([r.id, r.assignment_id, r.title, r.assignee_name, r.assigner_name, r.status.value,
                  r.priority.value, t(r.due_at), t(r.created_at), t(r.started_at), t(r.completed_at),
                  t(r.cancelled_at), "yes" if r.requires_review else "no"] for r in rows),
                raw_columns=[0, 1, 7, 8, 9, 10, 11])


@dataclass(frozen=True)
class TaskFilterOptions:
    groups: list[tuple[int, str]]
    people: list[tuple[int, str]]
    assignments: list[tuple[int, str]]


def task_filter_options(uow: UnitOfWork, actor: Actor, recent: int = 100) -> TaskFilterOptions:
    """What the filter drop-downs on the tasks page offer this viewer."""
    with uow:
        me = load_viewer(uow, actor)
        groups = [(i, n) for i, n in uow.session.execute(
            select(Group.id, Group.name).where(*group_scope(me)).order_by(Group.name))]
        scope = task_scope(me)
        people = [(i, n) for i, n in uow.session.execute(
            select(Person.id, Person.name).where(Person.id.in_(select(Task.assignee_id).where(*scope)))
            .order_by(Person.name))]
        a_scope = [] if me.role == Role.ADMIN else [Assignment.id.in_(select(Task.assignment_id).where(*scope))]
        assignments = [(i, f"#{i} {title}") for i, title in uow.session.execute(
            select(Assignment.id, Assignment.title).where(*a_scope)
            .order_by(Assignment.created_at.desc(), Assignment.id.desc()).limit(recent))]
    return TaskFilterOptions(groups, people, assignments)


