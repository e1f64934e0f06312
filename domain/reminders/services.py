"""Task reminders: lead time, due time, every few hours while overdue; quiet hours; snooze; escalation.

The scan reads only tasks whose `next_reminder_at` has come (an indexed column), so its cost
follows what is due, not how many tasks are open.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import aliased

from domain import audit
from domain.actors import Actor, load_active
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.models import OPEN_STATUSES, Assignment, Person, Priority, Task
from domain.outbox import Intent, NotificationKind, enqueue
from domain.quiet import in_quiet_hours, quiet_end_after
from domain.rules import rule_in
from domain.timeparse import parse_hhmm
from domain.uow import UnitOfWork

DIGEST_AT = 4  # more escalations than this for one assigner in one scan: one digest instead


@dataclass
class ScanResult:
    reminded: int = 0
    held: int = 0
    escalated: int = 0
    digests: int = 0
    task_ids: list[int] = field(default_factory=list)


def scan(uow: UnitOfWork, org_tz: str, limit: int = 5000) -> ScanResult:
    """One tick of the reminder job."""
    result = ScanResult()
    assignee = aliased(Person)
    with uow:
        session, now = uow.session, uow.now
        every = timedelta(hours=float(rule_in(session, "reminders.overdue_every_hours")))
        escalate_after = timedelta(hours=float(rule_in(session, "reminders.escalate_after_hours")))
        default_quiet = (parse_hhmm(rule_in(session, "quiet_hours.start")), parse_hhmm(rule_in(session, "quiet_hours.end")))
        # Only open tasks have a next_reminder_at (transitions clear it), so the range on its index
        # is the whole filter; the status is still read, to skip anything written by older code.
        rows = session.execute(
            select(Task.id, Task.assignee_id, Task.assigner_id, Task.due_at, Task.priority, Task.escalated_at,
                   assignee.timezone, assignee.quiet_start, assignee.quiet_end, Task.status,
                   Assignment.reminder_every_hours)
            .join(assignee, assignee.id == Task.assignee_id)
            .join(Assignment, Assignment.id == Task.assignment_id)
            .where(Task.next_reminder_at <= now)
            .order_by(Task.next_reminder_at).limit(limit)).all()
        intents: list[Intent] = []
        updates: list[dict[str, object]] = []
        escalations: dict[int, list[int]] = defaultdict(list)
        for task_id, who, assigner_id, due, priority, escalated_at, tz, q_start, q_end, status, hours in rows:
            every_here = timedelta(hours=hours) if hours else every
            if due is None or status not in OPEN_STATUSES:
                updates.append({"tid": task_id, "nxt": None})
                continue
            local = now.astimezone(ZoneInfo(tz or org_tz))
            start, end = (q_start, q_end) if q_start and q_end else default_quiet
            if priority != Priority.URGENT and in_quiet_hours(local, start, end):
                updates.append({"tid": task_id, "nxt": quiet_end_after(local, end).astimezone(now.tzinfo)})
                result.held += 1
                continue
            if now < due:
                slot, nxt = "lead", due
            elif now < due + every_here:
                slot, nxt = "due", due + every_here
            else:
                n = int((now - due) / every_here)
                slot, nxt = f"o{n}", due + every_here * (n + 1)
            intents.append(Intent(NotificationKind.TASK_REMINDER, who, f"reminder:{task_id}:{slot}",
                                  {"task_id": task_id, "slot": slot}, "task", task_id))
            updates.append({"tid": task_id, "nxt": nxt})
            result.reminded += 1
            result.task_ids.append(task_id)
            if now - due >= escalate_after and escalated_at is None:
                escalations[assigner_id].append(task_id)
        if updates:
            table = Task.__table__
            session.connection().execute(  # Core executemany: one statement, many rows
                update(table).where(table.c.id == bindparam("tid"),  # not a task closed meanwhile
                                    or_(*(table.c.status == status for status in OPEN_STATUSES)))
                .values(next_reminder_at=bindparam("nxt")),
                updates)
        for assigner_id, task_ids in escalations.items():
            session.execute(update(Task).where(Task.id.in_(task_ids)).values(escalated_at=now)
                            .execution_options(synchronize_session=False))
            result.escalated += len(task_ids)
            if len(task_ids) > DIGEST_AT:
                day = now.astimezone(ZoneInfo(org_tz)).date().isoformat()
                intents.append(Intent(NotificationKind.OVERDUE_DIGEST, assigner_id, f"digest:{assigner_id}:{day}:{task_ids[0]}",
                                      {"task_ids": task_ids[:50], "count": len(task_ids)}))
                result.digests += 1
            else:
                intents.extend(Intent(NotificationKind.TASK_ESCALATED, assigner_id, f"escalate:{t}", {"task_id": t}, "task", t)
                               for t in task_ids)
        enqueue(session, intents, now)
        uow.commit()
    return result


def snooze(uow: UnitOfWork, actor: Actor, task_id: int, how: str, org_tz: str) -> datetime:
    """Snooze the reminders of my task for an hour or until tomorrow morning."""
    with uow:
        me = load_active(uow.session, actor)
        task = uow.session.get(Task, task_id)
        if task is None:
            raise NotFound("No such task.")
        if task.assignee_id != me.id:
            raise Forbidden("Only the person this task is for can snooze it.")
        if task.status not in OPEN_STATUSES:
            raise InvalidInput("This task is no longer open.")
        local = uow.now.astimezone(ZoneInfo(me.timezone or org_tz))
        if how == "1h":
            until = uow.now + timedelta(hours=1)
        elif how == "tomorrow":
            until = (local + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
        else:
            raise InvalidInput("Snooze for 1h or until tomorrow.")
        task.next_reminder_at = until
        audit.record(uow.session, actor, "task.snooze", "task", task.id, uow.now, until=until.isoformat())
        uow.commit()
        return until
