"""Assigning work (fan-out, one task per person) and moving tasks through their states."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from domain import audit, timeparse
from domain.actors import Actor, load_active
from domain.alerts import kinds as alert_kinds
from domain.errors import Forbidden, IllegalTransition, InvalidInput, NotFound
from domain.idempotency import Once, record
from domain.models import (
    FINISHED_STATUSES,
    OPEN_STATUSES,
    Assignment,
    GroupMember,
    Person,
    PersonStatus,
    Priority,
    Role,
    Task,
    TaskEvent,
    TaskStatus,
)
from domain.outbox import Intent, NotificationKind, enqueue
from domain.perms.catalogue import TASKS_REVIEW
from domain.perms.check import require
from domain.rules import rule_in
from domain.tasks.queries import TaskRow, task_row
from domain.tasks.scope import authorise_recipients
from domain.tickets import work as ticket_work
from domain.uow import UnitOfWork
from domain.words import task_state

MAX_TITLE = 200
MAX_DESCRIPTION = 10_000  # a long brief is accepted; the chat shows it cut, the dashboard whole


@dataclass(frozen=True)
class AssignmentSpec:
    title: str
    description: str = ""
    person_ids: Sequence[int] = ()
    group_ids: Sequence[int] = ()
    due_at: datetime | None = None
    priority: Priority = Priority.NORMAL
    requires_review: bool = False
    reminder_lead_minutes: int | None = None  # None: the organisation's rule
    reminder_every_hours: int | None = None


@dataclass(frozen=True)
class AssignmentResult:
    assignment_id: int
    task_count: int
    skipped_person_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class TransitionResult:
    task: TaskRow  # as it is after the call
    changed: bool
    message: str


def _validate(spec: AssignmentSpec, now: datetime) -> tuple[str, str]:
    title = " ".join((spec.title or "").split())
    if not title:
        raise InvalidInput("A task needs a title.")
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"The title is too long (at most {MAX_TITLE} characters).")
    description = (spec.description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(f"The description is too long (at most {MAX_DESCRIPTION} characters).")
    if not spec.person_ids and not spec.group_ids:
        raise InvalidInput("Choose at least one person or group.")
    if spec.reminder_lead_minutes is not None and not 0 <= spec.reminder_lead_minutes <= 7 * 24 * 60:
        raise InvalidInput("The reminder lead time must be 0 minutes to 7 days.")
    if spec.reminder_every_hours is not None and not 1 <= spec.reminder_every_hours <= 7 * 24:
        raise InvalidInput("Overdue reminders repeat every 1 hour to 7 days.")
    if spec.due_at is not None:
        if spec.due_at.tzinfo is None:
            raise InvalidInput("The due time needs a time zone.")
        if spec.due_at <= now:
            raise InvalidInput("The due time is in the past.")
        timeparse.in_range(spec.due_at.date(), f"The due time is out of range. {timeparse.RANGE_HELP}")
    return title, description


def assign(uow: UnitOfWork, actor: Actor, spec: AssignmentSpec, once: Once | None = None) -> AssignmentResult:
    """Fan one task description out to every distinct active person chosen, in one transaction (with
    the answer to a keyed request, `once`)."""
    with uow:
        session, now = uow.session, uow.now
        me = load_active(session, actor, Role.ADMIN, Role.TEACHER)
        title, description = _validate(spec, now)
        authorise_recipients(session, me, spec.group_ids, spec.person_ids)

        conditions = []
        if spec.person_ids:
            conditions.append(Person.id.in_(set(spec.person_ids)))
        if spec.group_ids:
            conditions.append(Person.id.in_(
                select(GroupMember.person_id).where(GroupMember.group_id.in_(set(spec.group_ids)))))
        chosen = and_(or_(*conditions), Person.status == PersonStatus.ACTIVE)
        recipients = list(session.scalars(select(Person.id).where(chosen).order_by(Person.id)))
        skipped = sorted(set(spec.person_ids) - set(recipients))
        if not recipients:
            raise InvalidInput("None of the chosen people is active; nothing was assigned.")

        assignment = Assignment(
            title=title, description=description, priority=spec.priority, due_at=spec.due_at,
            requires_review=spec.requires_review, assigner_id=me.id, created_at=now,
            targets={"person_ids": sorted(set(spec.person_ids)), "group_ids": sorted(set(spec.group_ids))},
            reminder_lead_minutes=spec.reminder_lead_minutes, reminder_every_hours=spec.reminder_every_hours,
        )
        session.add(assignment)
        session.flush()
        lead = timedelta(minutes=spec.reminder_lead_minutes if spec.reminder_lead_minutes is not None
                         else int(rule_in(session, "reminders.lead_minutes")))
        common = {
            "next_reminder_at": spec.due_at - lead if spec.due_at else None,
            "assignment_id": assignment.id, "assigner_id": me.id, "title": title,
            "description": description, "priority": spec.priority, "due_at": spec.due_at,
            "requires_review": spec.requires_review, "status": TaskStatus.PENDING,
            "created_at": now, "updated_at": now, "reopen_count": 0,
        }
        _insert_tasks(session, common, chosen)
        created = session.execute(
            select(Task.id, Task.assignee_id).where(Task.assignment_id == assignment.id)
        ).all()
        enqueue(session, (
            Intent(NotificationKind.TASK_ASSIGNED, assignee, f"task_assigned:{task_id}",
                   {"task_id": task_id, "assignment_id": assignment.id}, "task", task_id)
            for task_id, assignee in created
        ), now)
        alert_kinds.urgent_assignment(session, assignment, len(created), now)
        audit.record(session, actor, "assignment.create", "assignment", assignment.id, now,
                     tasks=len(created), skipped=skipped, **assignment.targets)
        result = AssignmentResult(assignment.id, len(created), skipped)
        record(uow, once, result)
        uow.commit()
        return result


def _insert_tasks(session: Session, common: dict[str, object], chosen: ColumnElement[bool]) -> None:
    """One task per chosen person (`chosen`: a condition on people) as one INSERT ... SELECT, so the rows
    never pass through Python (bench row 1: the per-row ORM bulk insert cost more than the database's work)."""
    table = Task.__table__
    values = [literal(value, table.c[name].type).label(name) for name, value in common.items()]
    source = select(*values, Person.id.label("assignee_id")).where(chosen).order_by(Person.id)
    session.execute(table.insert().from_select([*common, "assignee_id"], source))


# --- transitions -------------------------------------------------------------------------



def _state(task: Task) -> str:
    """The task's state in the one vocabulary (domain.words)."""
    return task_state(task.status, task.requires_review, task.reopen_count)


def _load_task(uow: UnitOfWork, task_id: int) -> Task:
    task = uow.session.get(Task, task_id)
    if task is None:
        raise NotFound("No such task.")
    return task


def _move(
    uow: UnitOfWork,
    actor: Actor,
    task: Task,
    allowed_from: Sequence[TaskStatus],
    to: TaskStatus,
    action: str,
    note: str | None = None,
    **values: object,
) -> int | None:
    """Conditional UPDATE: the new event's id when this call made the transition, else None."""
    now = uow.now
    result = uow.session.execute(
        update(Task)
        .where(Task.id == task.id, Task.status.in_(allowed_from))
        .values(status=to, updated_at=now,
                # a task that leaves the open states leaves the reminder scan's index too
                **({} if to in OPEN_STATUSES else {"next_reminder_at": None}), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    event_id = uow.session.execute(insert(TaskEvent).values(
        task_id=task.id, from_status=task.status, to_status=to, actor_id=actor.person_id,
        channel=actor.channel, ip=actor.ip, note=note, at=now).returning(TaskEvent.id)).scalar_one()
    audit.record(uow.session, actor, action, "task", task.id, now,
                 old=task.status.value, new=to.value, **({"note": note} if note else {}))
    ticket_work.after_task_move(uow, actor, task, to)  # a ticket's task: the ticket moves along
    return event_id


def _result(uow: UnitOfWork, task: Task, changed: object, message: str, once: Once | None = None
            ) -> TransitionResult:
    """The outcome with the task's row as it is now; commits when this call changed something or has a key."""
    result = TransitionResult(task_row(uow.session, task.id), bool(changed), message)
    record(uow, once, result)
    if changed or once is not None:
        uow.commit()
    return result


def _notify(uow: UnitOfWork, task: Task, event_id: int, kind: NotificationKind, recipient_id: int, **data: object) -> None:
    key = f"{kind}:{event_id}:{recipient_id}"
    enqueue(uow.session, [Intent(kind, recipient_id, key, {"task_id": task.id, **data}, "task", task.id)],
            uow.now)


def start_task(uow: UnitOfWork, actor: Actor, task_id: int, once: Once | None = None) -> TransitionResult:
    """The assignee starts a pending task."""
    with uow:
        me = load_active(uow.session, actor)
        task = _load_task(uow, task_id)
        if task.assignee_id != me.id:
            raise Forbidden("Only the person this task is for can start it.")
        if task.status == TaskStatus.IN_PROGRESS:
            return _result(uow, task, False, "Already started.", once)
        if task.status != TaskStatus.PENDING:
            raise IllegalTransition(f"This task is {_state(task)}; it cannot be started.")
        changed = _move(uow, actor, task, [TaskStatus.PENDING], TaskStatus.IN_PROGRESS, "task.start",
                        started_at=uow.now)
        if changed:
            _notify(uow, task, changed, NotificationKind.TASK_CHANGED, task.assignee_id)
        return _result(uow, task, changed, "Started." if changed else "Already started.", once)


def complete_task(uow: UnitOfWork, actor: Actor, task_id: int, once: Once | None = None) -> TransitionResult:
    """The assignee marks an open task done; its assigner hears of it."""
    with uow:
        me = load_active(uow.session, actor)
        task = _load_task(uow, task_id)
        if task.assignee_id != me.id:
            raise Forbidden("Only the person this task is for can complete it.")
        if task.status in FINISHED_STATUSES:
            return _result(uow, task, False, "Already done.", once)
        if task.status == TaskStatus.CANCELLED:
            raise IllegalTransition("This task was cancelled; it cannot be completed.")
        changed = _move(uow, actor, task, OPEN_STATUSES, TaskStatus.DONE, "task.complete",
                        completed_at=uow.now)
        if not changed:
            uow.session.refresh(task)
            if task.status == TaskStatus.CANCELLED:
                raise IllegalTransition("This task was cancelled; it cannot be completed.")
            return _result(uow, task, False, "Already done.", once)
        _notify(uow, task, changed, NotificationKind.TASK_CHANGED, task.assignee_id)
        _notify(uow, task, changed, NotificationKind.TASK_COMPLETED, task.assigner_id, needs_review=task.requires_review)
        message = "Done, waiting for review." if task.requires_review else "Done. Well done!"
        return _result(uow, task, True, message, once)


def _load_for_manager(uow: UnitOfWork, actor: Actor, task_id: int, verb: str) -> tuple[Person, Task]:
    me = load_active(uow.session, actor)
    task = _load_task(uow, task_id)
    if me.role != Role.ADMIN and task.assigner_id != me.id:
        raise Forbidden(f"Only the person who assigned this task or an admin can {verb} it.")
    return me, task


def _load_for_reviewer(uow: UnitOfWork, actor: Actor, task_id: int, verb: str) -> tuple[Person, Task]:
    """The reviewer (tasks.review) of a task they assigned, or of any task when an admin."""
    require(uow.session, actor, TASKS_REVIEW)
    return _load_for_manager(uow, actor, task_id, verb)


def cancel_task(uow: UnitOfWork, actor: Actor, task_id: int, reason: str | None = None) -> TransitionResult:
    """The assigner or an admin cancels an open task."""
    with uow:
        _me, task = _load_for_manager(uow, actor, task_id, "cancel")
        if task.status == TaskStatus.CANCELLED:
            return _result(uow, task, False, "Already cancelled.")
        if task.status not in OPEN_STATUSES:
            raise IllegalTransition(f"This task is {_state(task)}; it cannot be cancelled.")
        changed = _move(uow, actor, task, OPEN_STATUSES, TaskStatus.CANCELLED, "task.cancel",
                        note=reason, cancelled_at=uow.now)
        if changed:
            _notify(uow, task, changed, NotificationKind.TASK_CHANGED, task.assignee_id)
        return _result(uow, task, changed, "Cancelled." if changed else "Already changed by someone else.")


def approve_task(uow: UnitOfWork, actor: Actor, task_id: int) -> TransitionResult:
    """The assigner or an admin, holding tasks.review, approves a done task that needs review."""
    with uow:
        _me, task = _load_for_reviewer(uow, actor, task_id, "approve")
        if task.status == TaskStatus.RESOLVED:
            return _result(uow, task, False, "Already approved.")
        if task.status != TaskStatus.DONE or not task.requires_review:
            raise IllegalTransition(f"This task is {_state(task)}; there is nothing to approve.")
        changed = _move(uow, actor, task, [TaskStatus.DONE], TaskStatus.RESOLVED, "task.approve",
                        resolved_at=uow.now)
        if changed:
            _notify(uow, task, changed, NotificationKind.TASK_CHANGED, task.assignee_id)
        return _result(uow, task, changed, "Approved." if changed else "Already reviewed.")


def check_reopen(uow: UnitOfWork, actor: Actor, task_id: int) -> TaskRow:
    """Refuse early whoever may not reopen this task (before asking them why); the task as it is."""
    with uow:
        _load_for_reviewer(uow, actor, task_id, "reopen")
        return task_row(uow.session, task_id)


def reopen_task(uow: UnitOfWork, actor: Actor, task_id: int, reason: str) -> TransitionResult:
    """The assigner or an admin, holding tasks.review, reopens a finished task with a reason."""
    with uow:
        _me, task = _load_for_reviewer(uow, actor, task_id, "reopen")
        reason = (reason or "").strip()
        if not reason:
            raise InvalidInput("Say why the task is reopened; the assignee will read it.")
        if len(reason) > 1000:
            raise InvalidInput("The reason is too long (at most 1000 characters).")
        if task.status in OPEN_STATUSES:
            return _result(uow, task, False, "The task is already open.")
        if task.status == TaskStatus.CANCELLED:
            raise IllegalTransition("This task was cancelled; it cannot be reopened.")
        changed = _move(uow, actor, task, FINISHED_STATUSES, TaskStatus.IN_PROGRESS,
                        "task.reopen", note=reason, completed_at=None, resolved_at=None,
                        next_reminder_at=task.due_at if task.due_at else None, escalated_at=None,
                        reopen_count=Task.reopen_count + 1, last_note=reason)
        if changed:
            # A new card, which retires the old one (no edit of the old card racing it).
            _notify(uow, task, changed, NotificationKind.TASK_REOPENED, task.assignee_id, reason=reason)
        return _result(uow, task, changed, "Reopened." if changed else "Already reviewed.")


def cancel_assignment(uow: UnitOfWork, actor: Actor, assignment_id: int) -> int:
    """Cancel every unfinished task of an assignment; returns how many were cancelled."""
    with uow:
        me = load_active(uow.session, actor)
        assignment = uow.session.get(Assignment, assignment_id)
        if assignment is None:
            raise NotFound("No such assignment.")
        if me.role != Role.ADMIN and assignment.assigner_id != me.id:
            raise Forbidden("Only the person who assigned this or an admin can cancel it.")
        open_tasks = list(uow.session.scalars(
            select(Task).where(Task.assignment_id == assignment_id, Task.status.in_(OPEN_STATUSES))))
        cancelled = 0
        for task in open_tasks:
            event_id = _move(uow, actor, task, OPEN_STATUSES, TaskStatus.CANCELLED, "task.cancel",
                             cancelled_at=uow.now)
            if event_id:
                cancelled += 1
                _notify(uow, task, event_id, NotificationKind.TASK_CHANGED, task.assignee_id)
        assignment.cancelled_at = uow.now
        audit.record(uow.session, actor, "assignment.cancel", "assignment", assignment_id, uow.now,
                     cancelled=cancelled)
        uow.commit()
        return cancelled


def change_due(uow: UnitOfWork, actor: Actor, assignment_id: int, due_at: datetime | None) -> int:
    """Move the due time of every unfinished task of an assignment; their messages are edited."""
    with uow:
        me = load_active(uow.session, actor)
        assignment = uow.session.get(Assignment, assignment_id)
        if assignment is None:
            raise NotFound("No such assignment.")
        if me.role != Role.ADMIN and assignment.assigner_id != me.id:
            raise Forbidden("Only the person who assigned this or an admin can change its due time.")
        if due_at is not None and (due_at.tzinfo is None or due_at <= uow.now):
            raise InvalidInput("The new due time must be in the future.")
        if due_at is not None:
            timeparse.in_range(due_at.date(), f"The due time is out of range. {timeparse.RANGE_HELP}")
        lead = timedelta(minutes=assignment.reminder_lead_minutes if assignment.reminder_lead_minutes is not None
                         else int(rule_in(uow.session, "reminders.lead_minutes")))
        open_tasks = list(uow.session.scalars(select(Task).where(
            Task.assignment_id == assignment_id, Task.status.in_(OPEN_STATUSES))))
        uow.session.execute(update(Task).where(Task.id.in_([t.id for t in open_tasks])).values(
            due_at=due_at, next_reminder_at=due_at - lead if due_at else None, escalated_at=None,
            updated_at=uow.now).execution_options(synchronize_session=False))
        assignment.due_at = due_at
        stamp = int(uow.now.timestamp())
        enqueue(uow.session, [Intent(NotificationKind.TASK_CHANGED, t.assignee_id, f"task_changed:due:{t.id}:{stamp}",
                                     {"task_id": t.id}, "task", t.id) for t in open_tasks], uow.now)
        audit.record(uow.session, actor, "assignment.change_due", "assignment", assignment_id, uow.now,
                     due_at=due_at.isoformat() if due_at else None, tasks=len(open_tasks))
        uow.commit()
        return len(open_tasks)
