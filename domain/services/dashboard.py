"""Read queries for the web: a person's dashboard, its change marker, and task listings for the API.

Every function runs a fixed number of queries whatever the number of tasks.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import aliased

from domain.actors import Actor, load_active
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.models import (
    OPEN_STATUSES,
    Group,
    GroupMember,
    Person,
    PersonStatus,
    Priority,
    Role,
    Task,
    TaskEvent,
    TaskStatus,
)
from domain.uow import UnitOfWork

RECENT_LIMIT = 10
MAX_PAGE = 200
FINISHED = (TaskStatus.DONE, TaskStatus.RESOLVED)
_PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


@dataclass(frozen=True)
class TaskRow:
    """One task as listed on the dashboard and in the API."""

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
    assigner_id: int
    assigner_name: str
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    resolved_at: datetime | None
    cancelled_at: datetime | None
    reopen_count: int
    last_note: str | None

    def is_overdue(self, now: datetime) -> bool:
        return self.status in OPEN_STATUSES and self.due_at is not None and self.due_at < now


@dataclass(frozen=True)
class Summary:
    completed_count: int
    average_completion: timedelta | None  # mean of completed_at - started_at over started ones
    on_time_count: int
    with_due_count: int  # completed tasks that had a due time

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time_count / self.with_due_count if self.with_due_count else None


@dataclass(frozen=True)
class Dashboard:
    person_id: int
    person_name: str
    timezone: str | None
    now: datetime
    open_tasks: list[TaskRow]
    recent_finished: list[TaskRow]
    summary: Summary
    version: str

    @property
    def overdue_count(self) -> int:
        return sum(t.is_overdue(self.now) for t in self.open_tasks)


def _rows(stmt: Select[tuple[Task]]) -> Select[tuple[Task, str, str]]:
    """Add the assignee's and the assigner's names to a task query (two joins, no N+1)."""
    assignee, assigner = aliased(Person), aliased(Person)
    return (stmt.add_columns(assignee.name, assigner.name)
            .join(assignee, assignee.id == Task.assignee_id)
            .join(assigner, assigner.id == Task.assigner_id))


def _to_row(task: Task, assignee_name: str, assigner_name: str) -> TaskRow:
    return TaskRow(
        task.id, task.assignment_id, task.title, task.description, task.priority, task.status,
        task.due_at, task.requires_review, task.assignee_id, assignee_name, task.assigner_id,
        assigner_name, task.created_at, task.updated_at, task.started_at, task.completed_at,
        task.resolved_at, task.cancelled_at, task.reopen_count, task.last_note)


def _priority_rank() -> ColumnElement[int]:
    return case(*((Task.priority == p, r) for p, r in _PRIORITY_RANK.items()), else_=9)


def _seconds(uow: UnitOfWork, start: ColumnElement[datetime], end: ColumnElement[datetime]
             ) -> ColumnElement[float]:
    if uow.dialect == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return func.extract("epoch", end - start)


def _version(uow: UnitOfWork, person_id: int) -> str:
    count, last_update, last_event = uow.session.execute(
        select(func.count(func.distinct(Task.id)), func.max(Task.updated_at), func.max(TaskEvent.id))
        .select_from(Task).outerjoin(TaskEvent, TaskEvent.task_id == Task.id)
        .where(Task.assignee_id == person_id)).one()
    raw = f"{count}|{last_update.isoformat() if last_update else '-'}|{last_event or 0}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _load_viewer(uow: UnitOfWork, person_id: int) -> Person:
    person = uow.session.get(Person, person_id)
    if person is None:
        raise NotFound("This link belongs to nobody we know.")
    if person.status != PersonStatus.ACTIVE:
        raise Forbidden("This account is not active; ask an administrator.")
    return person


def person_dashboard(uow: UnitOfWork, person_id: int, now: datetime | None = None) -> Dashboard:
    """A person's open tasks (most urgent first), recent finished ones and a summary."""
    with uow:
        now = now or uow.now
        person = _load_viewer(uow, person_id)
        overdue_first = case((and_(Task.due_at.is_not(None), Task.due_at < now), 0), else_=1)
        open_rows = uow.session.execute(_rows(
            select(Task).where(Task.assignee_id == person_id, Task.status.in_(OPEN_STATUSES))
            .order_by(overdue_first, Task.due_at.is_(None), Task.due_at, _priority_rank(), Task.id)
        )).all()
        finished_rows = uow.session.execute(_rows(
            select(Task).where(Task.assignee_id == person_id, Task.status.not_in(OPEN_STATUSES))
            .order_by(Task.updated_at.desc(), Task.id.desc()).limit(RECENT_LIMIT)
        )).all()
        completed, avg_seconds, on_time, with_due = uow.session.execute(
            select(
                func.count(Task.id),
                func.avg(case((Task.started_at.is_not(None),
                               _seconds(uow, Task.started_at, Task.completed_at)))),
                func.coalesce(func.sum(case((and_(Task.due_at.is_not(None),
                                                  Task.completed_at <= Task.due_at), 1), else_=0)), 0),
                func.count(Task.due_at),
            ).where(Task.assignee_id == person_id, Task.status.in_(FINISHED),
                    Task.completed_at.is_not(None))).one()
        version = _version(uow, person_id)
    summary = Summary(
        int(completed), None if avg_seconds is None else timedelta(seconds=float(avg_seconds)),
        int(on_time), int(with_due))
    return Dashboard(person.id, person.name, person.timezone, now,
                     [_to_row(*r) for r in open_rows], [_to_row(*r) for r in finished_rows],
                     summary, version)


def dashboard_version(uow: UnitOfWork, person_id: int) -> str:
    """A short marker that changes whenever any of the person's tasks changes."""
    with uow:
        _load_viewer(uow, person_id)
        return _version(uow, person_id)


# --- listings for the API ------------------------------------------------------------------

@dataclass(frozen=True)
class TaskFilter:
    status: TaskStatus | None = None
    assignee_id: int | None = None
    group_id: int | None = None  # tasks of the members of this group
    assignment_id: int | None = None
    due_from: datetime | None = None
    due_to: datetime | None = None


@dataclass(frozen=True)
class TaskPage:
    total: int
    limit: int
    offset: int
    items: list[TaskRow]


def _members_of_owned_groups(owner_id: int) -> Select[tuple[int]]:
    return (select(GroupMember.person_id).join(Group, Group.id == GroupMember.group_id)
            .where(Group.owner_id == owner_id))


def _page(uow: UnitOfWork, conditions: list[ColumnElement[bool]], limit: int, offset: int) -> TaskPage:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}.")
    if offset < 0:
        raise InvalidInput("offset must not be negative.")
    total = uow.session.scalar(select(func.count()).select_from(Task).where(*conditions)) or 0
    rows = uow.session.execute(_rows(
        select(Task).where(*conditions)
        .order_by(Task.due_at.is_(None), Task.due_at, Task.id).limit(limit).offset(offset))).all()
    return TaskPage(int(total), limit, offset, [_to_row(*r) for r in rows])


def _filter_conditions(f: TaskFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if f.status is not None:
        conditions.append(Task.status == f.status)
    if f.assignee_id is not None:
        conditions.append(Task.assignee_id == f.assignee_id)
    if f.group_id is not None:
        conditions.append(Task.assignee_id.in_(
            select(GroupMember.person_id).where(GroupMember.group_id == f.group_id)))
    if f.assignment_id is not None:
        conditions.append(Task.assignment_id == f.assignment_id)
    if f.due_from is not None:
        conditions.append(Task.due_at >= f.due_from)
    if f.due_to is not None:
        conditions.append(Task.due_at <= f.due_to)
    return conditions


def list_tasks(uow: UnitOfWork, actor: Actor, filters: TaskFilter = TaskFilter(), *,
               limit: int = 50, offset: int = 0) -> TaskPage:
    """Admins see every task; teachers the tasks they assigned or of the people in their groups."""
    for bound in (filters.due_from, filters.due_to):
        if bound is not None and bound.tzinfo is None:
            raise InvalidInput("due_from and due_to need a time zone.")
    with uow:
        me = load_active(uow.session, actor, Role.ADMIN, Role.TEACHER)
        conditions = _filter_conditions(filters)
        if me.role != Role.ADMIN:
            conditions.append(or_(Task.assigner_id == me.id,
                                  Task.assignee_id.in_(_members_of_owned_groups(me.id))))
        return _page(uow, conditions, limit, offset)


def person_tasks(uow: UnitOfWork, actor: Actor, person_id: int, status: TaskStatus | None = None, *,
                 limit: int = 50, offset: int = 0) -> TaskPage:
    """One person's tasks: for themself, admins, and teachers running a group they are in."""
    with uow:
        me = load_active(uow.session, actor)
        if me.id != person_id and me.role != Role.ADMIN:
            in_my_group = me.role == Role.TEACHER and uow.session.scalar(
                _members_of_owned_groups(me.id).where(GroupMember.person_id == person_id).limit(1))
            if not in_my_group:
                raise Forbidden("You can see only your own tasks and those of people in your groups.")
        if uow.session.get(Person, person_id) is None:
            raise NotFound("No such person.")
        conditions = [Task.assignee_id == person_id]
        if status is not None:
            conditions.append(Task.status == status)
        return _page(uow, conditions, limit, offset)
