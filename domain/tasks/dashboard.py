"""Read queries for the web: a person's dashboard, its change marker, and task listings for the API.

Every function runs a fixed number of queries whatever the number of tasks.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
)
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
OPEN_PAGE = 25  # open tasks on the dashboard unless asked for more
OPEN_MAX = 200  # the most a "Show more" link can ask for
MAX_PAGE = 200
FINISHED = (TaskStatus.DONE, TaskStatus.RESOLVED)
_PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


@dataclass(frozen=True)
class TaskRow:
    """One task as listed in the API."""

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


@dataclass(frozen=True, slots=True)
class OpenTask:
    """An open task as the dashboard shows it: only the columns on the page."""

    id: int
    title: str
    description: str
    priority: Priority
    status: TaskStatus
    due_at: datetime | None
    requires_review: bool
    assigner_name: str
    last_note: str | None
    overdue: bool


@dataclass(frozen=True, slots=True)
class FinishedTask:
    """A recently finished (or cancelled) task as the dashboard shows it."""

    id: int
    title: str
    status: TaskStatus
    due_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None


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
    open_tasks: list[OpenTask]  # the most urgent first, at most open_limit of them
    open_count: int  # all open tasks, shown or not
    overdue_count: int  # all overdue open tasks, shown or not
    open_limit: int
    recent_finished: list[FinishedTask]
    summary: Summary
    version: str

    @property
    def hidden_open(self) -> int:
        """Open tasks not on the page."""
        return max(self.open_count - len(self.open_tasks), 0)

    @property
    def next_open_limit(self) -> int | None:
        """What a "Show more" link asks for: twice as many, up to OPEN_MAX; None when nothing more."""
        if not self.hidden_open or self.open_limit >= OPEN_MAX:
            return None
        return min(self.open_limit * 2, OPEN_MAX)


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


def _seconds(dialect: str, start: ColumnElement[datetime], end: ColumnElement[datetime]
             ) -> ColumnElement[float]:
    if dialect == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return func.extract("epoch", end - start)


def _count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _version_columns(person_id: BindParameter[int]) -> tuple[ColumnElement[int], ColumnElement[datetime],
                                                             ColumnElement[int]]:
    """Aggregates over the person's tasks (count, last update) and their last event's id."""
    mine = select(Task.id).where(Task.assignee_id == person_id).correlate(None)  # not the outer tasks
    last_event = select(func.max(TaskEvent.id)).where(TaskEvent.task_id.in_(mine)).scalar_subquery()
    return func.count(Task.id), func.max(Task.updated_at), last_event


def _version_of(count: int, last_update: datetime | None, last_event: int | None) -> str:
    raw = f"{count}|{last_update.isoformat() if last_update else '-'}|{last_event or 0}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class _Statements:
    viewer: Select[Any]
    totals: Select[Any]  # one row: change marker, open and overdue counts, the summary
    open_tasks: Select[Any]
    finished: Select[Any]
    version: Select[Any]


@cache
def _statements(dialect: str) -> _Statements:
    """The dashboard's queries, built once per dialect; run with person_id, now and limit bound."""
    person_id, now = bindparam("person_id"), bindparam("now")
    is_open = Task.status.in_(OPEN_STATUSES)
    overdue = and_(Task.due_at.is_not(None), Task.due_at < now)  # `now` takes the column's UTC type
    finished = and_(Task.status.in_(FINISHED), Task.completed_at.is_not(None))
    mine = Task.assignee_id == person_id
    late_rank = case((overdue, 0), else_=1).label("late_rank")
    return _Statements(
        viewer=select(Person.name, Person.timezone, Person.status).where(Person.id == person_id),
        totals=select(
            *_version_columns(person_id),
            _count_where(is_open),
            _count_where(and_(is_open, overdue)),
            _count_where(finished),
            func.avg(case((and_(finished, Task.started_at.is_not(None)),
                           _seconds(dialect, Task.started_at, Task.completed_at)))),
            _count_where(and_(finished, Task.due_at.is_not(None), Task.completed_at <= Task.due_at)),
            _count_where(and_(finished, Task.due_at.is_not(None))),
        ).where(mine),
        open_tasks=select(Task.id, Task.title, Task.description, Task.priority, Task.status, Task.due_at,
                          Task.requires_review, Person.name, Task.last_note, late_rank)
        .join(Person, Person.id == Task.assigner_id)
        .where(mine, is_open)
        .order_by(late_rank, Task.due_at.is_(None), Task.due_at, _priority_rank(), Task.id)
        .limit(bindparam("limit")),
        finished=select(Task.id, Task.title, Task.status, Task.due_at, Task.completed_at, Task.cancelled_at)
        .where(mine, Task.status.not_in(OPEN_STATUSES))
        .order_by(Task.updated_at.desc(), Task.id.desc()).limit(RECENT_LIMIT),
        version=select(*_version_columns(person_id)).where(mine),
    )


def _load_viewer(uow: UnitOfWork, person_id: int) -> tuple[str, str | None]:
    """The viewer's name and time zone; refuses unknown and inactive people."""
    row = uow.session.execute(_statements(uow.dialect).viewer, {"person_id": person_id}).one_or_none()
    if row is None:
        raise NotFound("This link belongs to nobody we know.")
    if row.status != PersonStatus.ACTIVE:
        raise Forbidden("This account is not active; ask an administrator.")
    return row.name, row.timezone


def person_dashboard(uow: UnitOfWork, person_id: int, now: datetime | None = None, *,
                     open_limit: int = OPEN_PAGE) -> Dashboard:
    """A person's most urgent open tasks, recent finished ones and a summary.

    Four queries whatever the number of tasks: the viewer, one row of aggregates (counts, summary,
    change marker), the first `open_limit` open tasks and the last RECENT_LIMIT finished ones, each
    selecting only the columns the page shows.
    """
    if not 1 <= open_limit <= OPEN_MAX:
        raise InvalidInput(f"open_limit must be between 1 and {OPEN_MAX}.")
    with uow:
        now = now or uow.now
        name, timezone = _load_viewer(uow, person_id)
        stmts = _statements(uow.dialect)
        params = {"person_id": person_id, "now": now}
        totals = uow.session.execute(stmts.totals, params).one()
        open_rows = uow.session.execute(stmts.open_tasks, {**params, "limit": open_limit}).all()
        finished_rows = uow.session.execute(stmts.finished, params).all()
    (n_tasks, updated, event_id, open_count, overdue_count, completed, avg_seconds, on_time,
     with_due) = totals
    summary = Summary(
        int(completed), None if avg_seconds is None else timedelta(seconds=float(avg_seconds)),
        int(on_time), int(with_due))
    return Dashboard(
        person_id, name, timezone, now,
        [OpenTask(*row[:-1], overdue=row[-1] == 0) for row in open_rows],
        int(open_count), int(overdue_count), open_limit,
        [FinishedTask(*row) for row in finished_rows],
        summary, _version_of(int(n_tasks), updated, event_id))


def dashboard_version(uow: UnitOfWork, person_id: int) -> str:
    """A short marker that changes whenever any of the person's tasks changes (two small queries)."""
    with uow:
        _load_viewer(uow, person_id)
        count, last_update, last_event = uow.session.execute(
            _statements(uow.dialect).version, {"person_id": person_id}).one()
        return _version_of(int(count), last_update, last_event)


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
