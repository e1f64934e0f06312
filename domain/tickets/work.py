"""The work on a ticket is tasks: one per assignee, in one assignment linked to the ticket, so Start /
Complete, reminders, review, dashboards and progress are the tasks' own.

`after_task_move` is called by domain.tasks.services whenever a task changes status: the first task
started moves the ticket to in progress; every task finished moves it to done (the leads get Resolve /
Reopen). Because domain.tasks imports this module, nothing in domain.tickets may import domain.tasks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from domain import audit
from domain.actors import Actor
from domain.models import (
    FINISHED_STATUSES,
    OPEN_STATUSES,
    Assignment,
    Person,
    PersonStatus,
    Task,
    TaskEvent,
    TaskStatus,
    Ticket,
    TicketAssignee,
    TicketEvent,
    TicketStatus,
)
from domain.outbox import Intent, NotificationKind, enqueue
from domain.rules import rule_in
from domain.sla.compute import recompute_loaded
from domain.tickets import notify
from domain.tickets.rows import EventKind
from domain.uow import UnitOfWork


def add_event(uow: UnitOfWork, actor: Actor, ticket: Ticket, kind: EventKind, *, to: TicketStatus | None = None,
              text: str | None = None, internal: bool = False, **data: Any) -> int:
    """Write one timeline entry (and move the ticket to `to`); audited; returns the entry's id."""
    now = uow.now
    before = ticket.status
    if to is not None and to != before:
        ticket.status, ticket.status_at, ticket.reminded_at = to, now, None
    ticket.updated_at = now
    event_id = uow.session.execute(insert(TicketEvent).values(
        ticket_id=ticket.id, at=now, actor_id=actor.person_id, channel=actor.channel_name, ip=actor.ip,
        kind=kind.value, from_status=before.value if to is not None else None,
        to_status=to.value if to is not None else None, text=text, internal=internal, data=data,
    ).returning(TicketEvent.id)).scalar_one()
    details: dict[str, Any] = {"event": event_id, **data}
    if to is not None:
        details.update(old=before.value, new=to.value)
    audit.record(uow.session, actor, f"ticket.{kind.value}", "ticket", ticket.id, now, **details)
    uow.session.flush()
    recompute_loaded(uow.session, ticket, now)  # the SLA deadlines follow the timeline
    return event_id


def add_assignees(uow: UnitOfWork, actor: Actor, ticket: Ticket, person_ids: Sequence[int],
                  due_at: datetime | None) -> list[int]:
    """Give each new assignee a task in the ticket's assignment (made on first use); returns who was added."""
    session, now = uow.session, uow.now
    assigner = actor.person_id
    if assigner is None:
        raise ValueError("an assigner is needed")
    active = list(session.scalars(select(Person.id).where(
        Person.id.in_(set(person_ids)), Person.status == PersonStatus.ACTIVE).order_by(Person.id)))
    have = set(session.scalars(select(TicketAssignee.person_id).where(TicketAssignee.ticket_id == ticket.id)))
    new = [pid for pid in active if pid not in have]
    if due_at is not None:
        ticket.due_at = due_at
    if ticket.assignment_id is None:
        assignment = Assignment(
            title=f"#{ticket.number} {ticket.title}"[:200], description=ticket.description,
            priority=ticket.priority, due_at=ticket.due_at, requires_review=False, assigner_id=assigner,
            targets={"person_ids": new, "group_ids": [], "ticket_id": ticket.id}, created_at=now)
        session.add(assignment)
        session.flush()
        ticket.assignment_id = assignment.id
    if not new:
        return []
    assignment = session.get(Assignment, ticket.assignment_id)
    assert assignment is not None
    lead = timedelta(minutes=int(rule_in(session, "reminders.lead_minutes")))
    due = ticket.due_at
    for pid in new:
        task_id = session.execute(insert(Task).values(
            assignment_id=assignment.id, assignee_id=pid, assigner_id=assigner, title=assignment.title,
            description=ticket.description, priority=ticket.priority, due_at=due, requires_review=False,
            status=TaskStatus.PENDING, created_at=now, updated_at=now, reopen_count=0,
            next_reminder_at=due - lead if due else None).returning(Task.id)).scalar_one()
        session.add(TicketAssignee(ticket_id=ticket.id, person_id=pid, task_id=task_id, added_at=now))
        enqueue(session, [Intent(NotificationKind.TASK_ASSIGNED, pid, f"task_assigned:{task_id}",
                                 {"task_id": task_id, "assignment_id": assignment.id, "ticket_id": ticket.id},
                                 "task", task_id)], now)
    session.flush()
    return new


def _set_tasks(uow: UnitOfWork, actor: Actor, ticket: Ticket, from_: Sequence[TaskStatus], to: TaskStatus,
               kind: NotificationKind, note: str | None = None) -> int:
    """Move the ticket's tasks in `from_` to `to` (cancel them, or reopen them), telling each assignee."""
    if ticket.assignment_id is None:
        return 0
    session, now = uow.session, uow.now
    tasks = list(session.scalars(select(Task).where(Task.assignment_id == ticket.assignment_id,
                                                    Task.status.in_(from_))))
    for task in tasks:
        values: dict[str, Any] = {"status": to, "updated_at": now}
        if to == TaskStatus.CANCELLED:
            values.update(cancelled_at=now, next_reminder_at=None)
        else:
            values.update(completed_at=None, resolved_at=None, reopen_count=Task.reopen_count + 1,
                          last_note=note, escalated_at=None, next_reminder_at=task.due_at)
        session.execute(update(Task).where(Task.id == task.id).values(**values)
                        .execution_options(synchronize_session=False))
        event_id = session.execute(insert(TaskEvent).values(
            task_id=task.id, from_status=task.status, to_status=to, actor_id=actor.person_id,
            channel=actor.channel, ip=actor.ip, note=note, at=now).returning(TaskEvent.id)).scalar_one()
        audit.record(session, actor, "task.cancel" if to == TaskStatus.CANCELLED else "task.reopen", "task",
                     task.id, now, old=task.status.value, new=to.value, ticket=ticket.id,
                     **({"note": note} if note else {}))
        enqueue(session, [Intent(kind, task.assignee_id, f"{kind}:{event_id}:{task.assignee_id}",
                                 {"task_id": task.id, **({"reason": note} if note else {})}, "task", task.id)],
                now)
    return len(tasks)


def cancel_open_tasks(uow: UnitOfWork, actor: Actor, ticket: Ticket, note: str | None = None) -> int:
    return _set_tasks(uow, actor, ticket, OPEN_STATUSES, TaskStatus.CANCELLED, NotificationKind.TASK_CHANGED, note)


def reopen_finished_tasks(uow: UnitOfWork, actor: Actor, ticket: Ticket, reason: str) -> int:
    return _set_tasks(uow, actor, ticket, FINISHED_STATUSES, TaskStatus.IN_PROGRESS,
                      NotificationKind.TASK_REOPENED, reason)


def counts(uow: UnitOfWork, ticket: Ticket) -> tuple[int, int, int]:
    """(finished, started or finished, counted) tasks of the ticket; cancelled and declined ones do not
    count (a declined task waits to be reassigned: its replacement is a task of the same assignment)."""
    if ticket.assignment_id is None:
        return 0, 0, 0
    statuses = list(uow.session.scalars(select(Task.status).where(Task.assignment_id == ticket.assignment_id)))
    counted = [s for s in statuses if s not in (TaskStatus.CANCELLED, TaskStatus.DECLINED)]
    done = sum(s in FINISHED_STATUSES for s in counted)
    begun = sum(s != TaskStatus.PENDING for s in counted)
    return done, begun, len(counted)


def after_task_move(uow: UnitOfWork, actor: Actor, task: Task, to: TaskStatus) -> None:
    """A task moved (called by domain.tasks.services): move its ticket along when that follows."""
    ticket = uow.session.scalar(select(Ticket).where(Ticket.assignment_id == task.assignment_id))
    if ticket is None:
        return
    uow.session.flush()
    done, begun, total = counts(uow, ticket)
    if ticket.status == TicketStatus.ACCEPTED and begun:
        event_id = add_event(uow, actor, ticket, EventKind.STARTED, to=TicketStatus.IN_PROGRESS, task=task.id)
        notify.on_status(uow.session, ticket, event_id, actor.person_id, uow.now)
    if ticket.status in (TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS) and total and done == total:
        event_id = add_event(uow, actor, ticket, EventKind.DONE, to=TicketStatus.DONE, done=done, total=total)
        ticket.done_at = uow.now
        notify.on_status(uow.session, ticket, event_id, actor.person_id, uow.now)
    elif ticket.status == TicketStatus.DONE and done < total:  # a task was reopened or added
        event_id = add_event(uow, actor, ticket, EventKind.REOPENED, to=TicketStatus.IN_PROGRESS, task=task.id)
        ticket.done_at = None
        notify.on_status(uow.session, ticket, event_id, actor.person_id, uow.now)
