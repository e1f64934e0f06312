"""Declining a task (the assignee says no, with a reason) and handing a declined task to someone else.

A declined task leaves the open states, so its reminders stop; its assigner is told, with the reason,
and they (or an admin) may reassign it: a new task of the same assignment for another person, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, update

from domain import audit
from domain.actors import Actor, load_active
from domain.errors import Forbidden, IllegalTransition, InvalidInput, NotFound
from domain.models import Assignment, Person, PersonStatus, Task, TaskStatus
from domain.outbox import Intent, NotificationKind, enqueue
from domain.rules import rule_in
from domain.tasks.queries import TaskRow, task_row
from domain.tasks.scope import assignable_people, authorise_recipients
from domain.tasks.services import (
    TransitionResult,
    _load_for_manager,
    _load_task,
    _move,
    _notify,
    _result,
    _state,
)
from domain.uow import UnitOfWork

MAX_REASON = 500


@dataclass(frozen=True)
class ReassignResult:
    declined: TaskRow  # the declined task, now pointing to its new assignee
    task_id: int  # the new task
    assignee_name: str
    message: str


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str


def clean_reason(reason: str | None) -> str:
    """The reason as stored: trimmed, 1-500 characters (InvalidInput otherwise)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Say why you decline; the person who assigned it will read it.")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"The reason is too long (at most {MAX_REASON} characters).")
    return reason


def _load_own_pending(uow: UnitOfWork, actor: Actor, task_id: int) -> Task:
    me = load_active(uow.session, actor)
    task = _load_task(uow, task_id)
    if task.assignee_id != me.id:
        raise Forbidden("Only the person this task is for can decline it.")
    return task


def check_decline(uow: UnitOfWork, actor: Actor, task_id: int) -> TaskRow:
    """Refuse early whoever may not decline this task (before asking them why); the task as it is."""
    with uow:
        task = _load_own_pending(uow, actor, task_id)
        if task.status != TaskStatus.PENDING:
            raise IllegalTransition(f"This task is {_state(task)}; only a pending task can be declined.")
        return task_row(uow.session, task_id)


def decline_task(uow: UnitOfWork, actor: Actor, task_id: int, reason: str) -> TransitionResult:
    """The assignee declines a pending task with a reason; its assigner is told and may reassign it."""
    with uow:
        task = _load_own_pending(uow, actor, task_id)
        reason = clean_reason(reason)
        if task.status == TaskStatus.DECLINED:
            return _result(uow, task, False, "Already declined.")
        if task.status != TaskStatus.PENDING:
            raise IllegalTransition(f"This task is {_state(task)}; only a pending task can be declined.")
        changed = _move(uow, actor, task, [TaskStatus.PENDING], TaskStatus.DECLINED, "task.decline",
                        note=reason, last_note=reason, escalated_at=None)
        if not changed:
            uow.session.refresh(task)
            if task.status != TaskStatus.DECLINED:
                raise IllegalTransition(f"This task is {_state(task)}; only a pending task can be declined.")
            return _result(uow, task, False, "Already declined.")
        _notify(uow, task, changed, NotificationKind.TASK_CHANGED, task.assignee_id)
        _notify(uow, task, changed, NotificationKind.TASK_DECLINED, task.assigner_id, reason=reason)
        return _result(uow, task, True, "Declined. The person who assigned it has been told.")


def _load_declined(uow: UnitOfWork, actor: Actor, task_id: int) -> tuple[Person, Task]:
    me, task = _load_for_manager(uow, actor, task_id, "reassign")
    if task.status != TaskStatus.DECLINED:
        raise IllegalTransition(f"This task is {_state(task)}; only a declined task can be reassigned.")
    if task.reassigned_to_id is not None:
        raise IllegalTransition("This task was already reassigned.")
    return me, task


@dataclass(frozen=True)
class ReassignView:
    task: TaskRow  # the declined task, with its reason (last_note)
    candidates: list[Candidate]
    total: int  # how many candidates there are (more than listed when over the limit)


def _candidates(uow: UnitOfWork, me: Person, task: Task, limit: int, offset: int) -> tuple[list[Candidate], int]:
    where = [Person.status == PersonStatus.ACTIVE, Person.id != me.id, *assignable_people(me),
             Person.id.not_in(select(Task.assignee_id).where(Task.assignment_id == task.assignment_id))]
    total = uow.session.scalar(select(func.count()).select_from(Person).where(*where)) or 0
    rows = uow.session.execute(select(Person.id, Person.name).where(*where)
                               .order_by(Person.name, Person.id).limit(limit).offset(offset)).all()
    return [Candidate(i, n) for i, n in rows], int(total)


def reassign_candidates(uow: UnitOfWork, actor: Actor, task_id: int, limit: int = 8,
                        offset: int = 0) -> tuple[list[Candidate], int]:
    """Who a declined task may go to (active people in the reassigner's scope without a task of this
    assignment), by name, and how many there are."""
    with uow:
        me, task = _load_declined(uow, actor, task_id)
        return _candidates(uow, me, task, limit, offset)


def reassign_view(uow: UnitOfWork, actor: Actor, task_id: int, limit: int = 500) -> ReassignView:
    """The console's reassign page: the declined task with its reason, and who it may go to."""
    with uow:
        me, task = _load_declined(uow, actor, task_id)
        people, total = _candidates(uow, me, task, limit, 0)
        return ReassignView(task_row(uow.session, task_id), people, total)


def _first_reminder(uow: UnitOfWork, task: Task) -> datetime | None:
    """When the new task's reminders start: its assignment's lead time (or the rule's) before the due time."""
    if task.due_at is None:
        return None
    assignment = uow.session.get(Assignment, task.assignment_id)
    minutes = assignment.reminder_lead_minutes if assignment and assignment.reminder_lead_minutes is not None \
        else int(rule_in(uow.session, "reminders.lead_minutes"))
    return task.due_at - timedelta(minutes=minutes)


def reassign_task(uow: UnitOfWork, actor: Actor, task_id: int, person_id: int) -> ReassignResult:
    """The assigner (or an admin) hands a declined task to another person: a new task of the same
    assignment, once (a second press changes nothing)."""
    with uow:
        session, now = uow.session, uow.now
        me, task = _load_declined(uow, actor, task_id)
        person = session.get(Person, person_id)
        if person is None:
            raise NotFound("No such person.")
        if person.status != PersonStatus.ACTIVE:
            raise InvalidInput(f"{person.name} is not active.")
        authorise_recipients(session, me, (), (person_id,))
        if session.scalar(select(Task.id).where(Task.assignment_id == task.assignment_id,
                                                Task.assignee_id == person_id)) is not None:
            raise InvalidInput(f"{person.name} already has this task.")
        claimed = session.execute(
            update(Task).where(Task.id == task.id, Task.status == TaskStatus.DECLINED,
                               Task.reassigned_to_id.is_(None))
            .values(reassigned_to_id=person_id, updated_at=now).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            raise IllegalTransition("This task was already reassigned.")
        new_id = session.execute(insert(Task).values(
            assignment_id=task.assignment_id, assignee_id=person_id, assigner_id=task.assigner_id,
            title=task.title, description=task.description, priority=task.priority, due_at=task.due_at,
            requires_review=task.requires_review, status=TaskStatus.PENDING, created_at=now, updated_at=now,
            reopen_count=0, next_reminder_at=_first_reminder(uow, task),
        ).returning(Task.id)).scalar_one()
        enqueue(session, [Intent(NotificationKind.TASK_ASSIGNED, person_id, f"task_assigned:{new_id}",
                                 {"task_id": new_id, "assignment_id": task.assignment_id}, "task", new_id)], now)
        audit.record(session, actor, "task.reassign", "task", task.id, now, to=person_id, new_task=new_id)
        result = ReassignResult(task_row(session, task.id), new_id, person.name,
                                f"Reassigned to {person.name}.")
        uow.commit()
        return result
