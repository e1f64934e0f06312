"""Tasks as people read them: one row type, one filter, one urgency order and one page limit, used by
the console (search, CSV), the JSON API, the bot (cards, /tasks, /assigned) and the personal dashboard.

Every query here is scoped by domain.tasks.scope and runs a fixed number of statements.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from domain.actors import Actor, load_active
from domain.csv_export import write_csv
from domain.errors import InvalidInput, NotFound
from domain.groups.queries import group_scope
from domain.models import (
    FINISHED_STATUSES,
    OPEN_STATUSES,
    Assignment,
    Group,
    GroupMember,
    Person,
    Priority,
    Task,
    TaskStatus,
)
from domain.tasks.scope import (
    STAFF,
    authorise_person_tasks,
    load_staff,
    reviewable_tasks,
    visible_tasks,
)
from domain.uow import UnitOfWork
from domain.words import task_state

MAX_PAGE = 200  # the most tasks one page of a listing holds (console and API)
MAX_EXPORT_ROWS = 50_000
PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}
STAFF_ONLY = "Only teachers and admins assign tasks."


# --- the row ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class TaskRow:
    """One task with its people's names: the console, the API, the bot and the dashboard all show this.

    The first twenty fields are the API's task fields, under the same names.
    """

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
    assignee_timezone: str | None = None
    assignee_link_generation: int = 0  # signs the assignee's dashboard link
    reassigned_to_id: int | None = None  # a declined task handed to someone else: to whom
    done_count: int = 0  # the assignment's finished tasks (task_card with_progress only)
    total_count: int = 0  # the assignment's tasks not cancelled (task_card with_progress only)

    @property
    def state(self) -> str:
        """The task's state in the one vocabulary (domain.words): chat and web show this."""
        return task_state(self.status, self.requires_review, self.reopen_count)

    def is_overdue(self, now: datetime) -> bool:
        """Still open and past its due time."""
        return self.status in OPEN_STATUSES and self.due_at is not None and self.due_at < now


_assignee, _assigner = aliased(Person, name="assignee"), aliased(Person, name="assigner")


def row_select() -> Select[Any]:
    """The columns of a TaskRow (tasks with both people joined; no N+1), to add conditions to."""
    return (select(Task.id, Task.assignment_id, Task.title, Task.description, Task.priority, Task.status,
                   Task.due_at, Task.requires_review, Task.assignee_id, _assignee.name, Task.assigner_id,
                   _assigner.name, Task.created_at, Task.updated_at, Task.started_at, Task.completed_at,
                   Task.resolved_at, Task.cancelled_at, Task.reopen_count, Task.last_note,
                   _assignee.timezone, _assignee.link_generation, Task.reassigned_to_id)
            .join(_assignee, _assignee.id == Task.assignee_id)
            .join(_assigner, _assigner.id == Task.assigner_id))


def task_row(session: Session, task_id: int) -> TaskRow:
    """One task's row as it is in the database now (inside an open unit of work)."""
    row = session.execute(row_select().where(Task.id == task_id)).first()
    if row is None:
        raise NotFound("No such task.")
    return TaskRow(*row)


# --- urgency ---------------------------------------------------------------------------------

def priority_rank() -> ColumnElement[int]:
    """PRIORITY_RANK as SQL: urgent 0 ... low 3."""
    return case(*((Task.priority == p, r) for p, r in PRIORITY_RANK.items()), else_=len(PRIORITY_RANK))


def urgency_order(now: Any) -> tuple[ColumnElement[Any], ...]:
    """ORDER BY for "most urgent first": overdue, then by due time (undated last), priority, id."""
    late = case((and_(Task.due_at.is_not(None), Task.due_at < now), 0), else_=1)
    return late, Task.due_at.is_(None), Task.due_at, priority_rank(), Task.id


def urgency_key(row: TaskRow, now: datetime) -> tuple[Any, ...]:
    """urgency_order in Python, for sorting rows already loaded."""
    due = row.due_at
    return (0 if due is not None and due < now else 1, due is None, due or now, PRIORITY_RANK[row.priority],
            row.id)


# --- the filter and the search -----------------------------------------------------------

@dataclass(frozen=True)
class TaskFilter:
    """What a task listing is narrowed to; every field is optional."""

    status: TaskStatus | None = None
    assignee_id: int | None = None
    group_id: int | None = None  # tasks of the members of this group
    assignment_id: int | None = None
    overdue: bool = False  # open and past their due time
    open_only: bool = False  # pending or in progress
    awaiting_review: bool = False  # done, needing the viewer's review (domain.tasks.scope.reviewable_tasks)
    text: str = ""  # in the title or the description
    due_from: datetime | None = None
    due_to: datetime | None = None


class TaskOrder(enum.Enum):
    NEWEST = "newest"  # the console: latest created first
    DUE = "due"  # the API: by due time, undated last


@dataclass(frozen=True)
class TaskPage:
    total: int
    limit: int
    offset: int
    items: list[TaskRow]


def _check_filter(f: TaskFilter) -> None:
    for bound in (f.due_from, f.due_to):
        if bound is not None and bound.tzinfo is None:
            raise InvalidInput("due_from and due_to need a time zone.")


def filter_conditions(f: TaskFilter, now: datetime) -> list[ColumnElement[bool]]:
    """The filter as conditions on Task."""
    _check_filter(f)
    c: list[ColumnElement[bool]] = []
    if f.status is not None:
        c.append(Task.status == f.status)
    if f.assignee_id is not None:
        c.append(Task.assignee_id == f.assignee_id)
    if f.group_id is not None:
        c.append(Task.assignee_id.in_(select(GroupMember.person_id).where(GroupMember.group_id == f.group_id)))
    if f.assignment_id is not None:
        c.append(Task.assignment_id == f.assignment_id)
    if f.overdue:
        c.append(and_(Task.status.in_(OPEN_STATUSES), Task.due_at.is_not(None), Task.due_at < now))
    if f.open_only:
        c.append(Task.status.in_(OPEN_STATUSES))
    if f.awaiting_review:
        c.append(and_(Task.status == TaskStatus.DONE, Task.requires_review.is_(True)))
    text = " ".join((f.text or "").split())
    if text:
        c.append(or_(Task.title.ilike(f"%{text}%"), Task.description.ilike(f"%{text}%")))
    if f.due_from is not None:
        c.append(Task.due_at >= f.due_from)
    if f.due_to is not None:
        c.append(Task.due_at <= f.due_to)
    return c


_ORDER = {
    TaskOrder.NEWEST: (Task.created_at.desc(), Task.id.desc()),
    TaskOrder.DUE: (Task.due_at.is_(None), Task.due_at, Task.id),
}


def scoped_conditions(me: Person, f: TaskFilter, now: datetime) -> list[ColumnElement[bool]]:
    """What this viewer may see of the filter's tasks (and, for reviews, what they review): the one
    definition the console, the CSV and the briefs' counts share."""
    return visible_tasks(me) + filter_conditions(f, now) + (reviewable_tasks(me) if f.awaiting_review else [])


def count_tasks(session: Session, me: Person | None, f: TaskFilter, now: datetime) -> int:
    """How many tasks the console would list for this viewer and filter (the briefs count with this);
    without a viewer, the filter alone (a person's own tasks, as /tasks counts them)."""
    where = scoped_conditions(me, f, now) if me is not None else filter_conditions(f, now)
    return int(session.scalar(select(func.count()).select_from(Task).where(*where)) or 0)


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}.")
    if offset < 0:
        raise InvalidInput("offset must not be negative.")


def _rows(session: Session, conditions: list[ColumnElement[bool]], order: TaskOrder, limit: int,
          offset: int = 0) -> list[TaskRow]:
    stmt = row_select().where(*conditions).order_by(*_ORDER[order]).limit(limit).offset(offset)
    return [TaskRow(*r) for r in session.execute(stmt)]


def _page(session: Session, conditions: list[ColumnElement[bool]], order: TaskOrder, limit: int,
          offset: int) -> TaskPage:
    total = session.scalar(select(func.count()).select_from(Task).where(*conditions)) or 0
    return TaskPage(int(total), limit, offset, _rows(session, conditions, order, limit, offset))


def search_tasks(uow: UnitOfWork, actor: Actor, filters: TaskFilter = TaskFilter(), *,
                 order: TaskOrder = TaskOrder.NEWEST, limit: int = 50, offset: int = 0) -> TaskPage:
    """The tasks this admin or teacher may see that match the filter, one page of them."""
    _check_filter(filters)
    _check_page(limit, offset)
    with uow:
        me = load_active(uow.session, actor, *STAFF)
        return _page(uow.session, scoped_conditions(me, filters, uow.now), order, limit, offset)


def person_tasks(uow: UnitOfWork, actor: Actor, person_id: int, status: TaskStatus | None = None, *,
                 limit: int = 50, offset: int = 0) -> TaskPage:
    """One person's tasks by due time: for themself, admins, and teachers running a group they are in."""
    with uow:
        me = load_active(uow.session, actor)
        authorise_person_tasks(uow.session, me, person_id)
        _check_page(limit, offset)
        conditions = filter_conditions(TaskFilter(status=status, assignee_id=person_id), uow.now)
        return _page(uow.session, conditions, TaskOrder.DUE, limit, offset)


def tasks_csv(uow: UnitOfWork, actor: Actor, filters: TaskFilter = TaskFilter()) -> str:
    """The tasks search_tasks would list, newest first, as CSV (at most MAX_EXPORT_ROWS)."""
    with uow:
        me = load_active(uow.session, actor, *STAFF)
        rows = _rows(uow.session, scoped_conditions(me, filters, uow.now), TaskOrder.NEWEST, MAX_EXPORT_ROWS)

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
        me = load_active(uow.session, actor, *STAFF)
        groups = [(i, n) for i, n in uow.session.execute(
            select(Group.id, Group.name).where(*group_scope(me)).order_by(Group.name))]
        scope = visible_tasks(me)
        people = [(i, n) for i, n in uow.session.execute(
            select(Person.id, Person.name).where(Person.id.in_(select(Task.assignee_id).where(*scope)))
            .order_by(Person.name))]
        a_scope = [Assignment.id.in_(select(Task.assignment_id).where(*scope))] if scope else []
        assignments = [(i, f"#{i} {title}") for i, title in uow.session.execute(
            select(Assignment.id, Assignment.title).where(*a_scope)
            .order_by(Assignment.created_at.desc(), Assignment.id.desc()).limit(recent))]
    return TaskFilterOptions(groups, people, assignments)


# --- the bot: cards, my open tasks, what I assigned ---------------------------------------

def task_card(uow: UnitOfWork, task_id: int, *, with_progress: bool = False) -> TaskRow:
    """The task as people see it; `with_progress` also counts its assignment's finished tasks."""
    with uow:
        row = task_row(uow.session, task_id)
        if not with_progress:
            return row
        done, total = uow.session.execute(
            select(func.sum(case((Task.status.in_(FINISHED_STATUSES), 1), else_=0)), func.count())
            .where(Task.assignment_id == row.assignment_id,
                   Task.status.not_in((TaskStatus.CANCELLED, TaskStatus.DECLINED)))).one()
    return replace(row, done_count=int(done or 0), total_count=int(total or 0))


def task_cards(uow: UnitOfWork, task_ids: list[int]) -> dict[int, TaskRow]:
    """Many cards in one query (no progress counts), for rendering a batch of notifications."""
    if not task_ids:
        return {}
    with uow:
        rows = uow.session.execute(row_select().where(Task.id.in_(set(task_ids)))).all()
    return {r[0]: TaskRow(*r) for r in rows}


def open_tasks(uow: UnitOfWork, actor: Actor, now: datetime, limit: int = 5,
               offset: int = 0) -> tuple[list[TaskRow], int]:
    """The acting person's open tasks, most urgent first, and how many there are."""
    with uow:
        me = load_active(uow.session, actor)
        where = filter_conditions(TaskFilter(assignee_id=me.id, open_only=True), now)  # as the brief counts
        total = uow.session.scalar(select(func.count()).select_from(Task).where(*where)) or 0
        rows = uow.session.execute(
            row_select().where(*where).order_by(*urgency_order(now)).limit(limit).offset(offset)).all()
    return [TaskRow(*r) for r in rows], int(total)


@dataclass(frozen=True)
class AssignmentSummary:
    id: int
    title: str
    due_at: datetime | None
    created_at: datetime
    done: int
    in_progress: int
    pending: int
    cancelled: int
    declined: int = 0

    @property
    def open(self) -> int:
        return self.in_progress + self.pending


def assigned_by(uow: UnitOfWork, actor: Actor, limit: int = 10) -> list[AssignmentSummary]:
    """What this admin or teacher assigned lately, with per-state counts (one grouped query)."""
    def n(*statuses: TaskStatus) -> Any:
        return func.sum(case((Task.status.in_(statuses), 1), else_=0))

    with uow:
        me = load_staff(uow.session, actor, STAFF_ONLY)
        recent = (select(Assignment.id).where(Assignment.assigner_id == me.id)
                  .order_by(Assignment.created_at.desc(), Assignment.id.desc()).limit(limit).subquery())
        rows = uow.session.execute(
            select(Assignment.id, Assignment.title, Assignment.due_at, Assignment.created_at,
                   n(*FINISHED_STATUSES), n(TaskStatus.IN_PROGRESS),
                   n(TaskStatus.PENDING), n(TaskStatus.CANCELLED), n(TaskStatus.DECLINED))
            .join(Task, Task.assignment_id == Assignment.id)
            .where(Assignment.id.in_(select(recent.c.id)))
            .group_by(Assignment.id, Assignment.title, Assignment.due_at, Assignment.created_at)
            .order_by(Assignment.created_at.desc(), Assignment.id.desc())).all()
    return [AssignmentSummary(i, t, d, c, int(a or 0), int(b or 0), int(p or 0), int(x or 0), int(y or 0))
            for i, t, d, c, a, b, p, x, y in rows]
