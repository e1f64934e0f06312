"""Task cards as the bot shows them, my open tasks and what I assigned."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from domain.errors import NotFound
from domain.models import Assignment, Person, Priority, Task, TaskStatus
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
    assignee_link_generation: int = 0  # signs the assignee's dashboard link


def task_card(uow: UnitOfWork, task_id: int, *, with_progress: bool = False) -> TaskCard:
    """The task as people see it; `with_progress` also counts its assignment's done tasks."""
    assignee, assigner = aliased(Person), aliased(Person)
    with uow:
        row = uow.session.execute(
            select(Task, assignee.name, assignee.timezone, assigner.name, assignee.link_generation)
            .join(assignee, assignee.id == Task.assignee_id)
            .join(assigner, assigner.id == Task.assigner_id)
            .where(Task.id == task_id)).first()
        if row is None:
            raise NotFound("No such task.")
        task, assignee_name, tz, assigner_name, generation = row
        done, total = 0, 0
        if with_progress:
            done, total = uow.session.execute(
                select(func.sum(case((Task.status.in_([TaskStatus.DONE, TaskStatus.RESOLVED]), 1), else_=0)),
                       func.count())
                .where(Task.assignment_id == task.assignment_id, Task.status != TaskStatus.CANCELLED)).one()
    return TaskCard(task.id, task.assignment_id, task.title, task.description, task.priority, task.status,
                    task.due_at, task.requires_review, task.assignee_id, assignee_name, tz,
                    task.assigner_id, assigner_name, task.last_note, int(done or 0), int(total or 0),
                    generation)


def task_cards(uow: UnitOfWork, task_ids: list[int]) -> dict[int, TaskCard]:
    """Many cards in one query (no progress counts), for rendering a batch of notifications."""
    if not task_ids:
        return {}
    assignee, assigner = aliased(Person), aliased(Person)
    with uow:
        rows = uow.session.execute(
            select(Task.id, Task.assignment_id, Task.title, Task.description, Task.priority, Task.status,
                   Task.due_at, Task.requires_review, Task.assignee_id, assignee.name, assignee.timezone,
                   Task.assigner_id, assigner.name, Task.last_note, assignee.link_generation)
            .join(assignee, assignee.id == Task.assignee_id)
            .join(assigner, assigner.id == Task.assigner_id)
            .where(Task.id.in_(set(task_ids)))).all()
    return {r[0]: TaskCard(*r[:-1], 0, 0, r[-1]) for r in rows}






def assignment_title(uow: UnitOfWork, assignment_id: int) -> str:
    with uow:
        title = uow.session.scalar(select(Assignment.title).where(Assignment.id == assignment_id))
    if title is None:
        raise NotFound("No such assignment.")


# --- my open tasks and what I assigned ----------------------------------------------------

URGENCY = case(
    (Task.priority == Priority.URGENT, 0), (Task.priority == Priority.HIGH, 1),
    (Task.priority == Priority.NORMAL, 2), else_=3)


def open_tasks(uow: UnitOfWork, person_id: int, now: datetime, limit: int = 5,
               offset: int = 0) -> tuple[list[TaskCard], int]:
    """My open tasks, most urgent first: overdue, then by due time, then priority."""
    from domain.models import OPEN_STATUSES

    assigner = aliased(Person)
    overdue = case((Task.due_at < now, 0), else_=1)
    no_due = case((Task.due_at.is_(None), 1), else_=0)
    with uow:
        me = uow.session.get(Person, person_id)
        where = (Task.assignee_id == person_id, Task.status.in_(OPEN_STATUSES))
        total = uow.session.scalar(select(func.count()).select_from(Task).where(*where)) or 0
        rows = uow.session.execute(
            select(Task, assigner.name).join(assigner, assigner.id == Task.assigner_id).where(*where)
            .order_by(overdue, no_due, Task.due_at, URGENCY, Task.id).limit(limit).offset(offset)).all()
    cards = [TaskCard(t.id, t.assignment_id, t.title, t.description, t.priority, t.status, t.due_at,
                      t.requires_review, t.assignee_id, me.name if me else "", me.timezone if me else None,
                      t.assigner_id, name, t.last_note, 0, 0, me.link_generation if me else 0)
             for t, name in rows]
    return cards, int(total)


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

    @property
    def open(self) -> int:
        return self.in_progress + self.pending


def assigned_by(uow: UnitOfWork, person_id: int, limit: int = 10) -> list[AssignmentSummary]:
    """What this person assigned lately, with per-state counts (one grouped query)."""
    def n(*statuses: TaskStatus) -> Any:
        return func.sum(case((Task.status.in_(statuses), 1), else_=0))

    with uow:
        recent = (select(Assignment.id).where(Assignment.assigner_id == person_id)
                  .order_by(Assignment.created_at.desc(), Assignment.id.desc()).limit(limit).subquery())
        rows = uow.session.execute(
            select(Assignment.id, Assignment.title, Assignment.due_at, Assignment.created_at,
                   n(TaskStatus.DONE, TaskStatus.RESOLVED), n(TaskStatus.IN_PROGRESS),
                   n(TaskStatus.PENDING), n(TaskStatus.CANCELLED))
            .join(Task, Task.assignment_id == Assignment.id)
            .where(Assignment.id.in_(select(recent.c.id)))
            .group_by(Assignment.id, Assignment.title, Assignment.due_at, Assignment.created_at)
            .order_by(Assignment.created_at.desc(), Assignment.id.desc())).all()
    return [AssignmentSummary(i, t, d, c, int(a or 0), int(b or 0), int(p or 0), int(x or 0))
            for i, t, d, c, a, b, p, x in rows]
