"""A synthetic task history with a known pattern, for the engagement model's tests, bench and demo.

Each person has an on-time chance; with `signal`, a share of them start drifting at some point: from then
on their on-time chance drops to nearly nothing for a spell of one to two weeks (once to three times), and they take much longer
to press Start; then they come back. The planted pattern: the trend, not last month's level, says who goes
late next (a falling on-time trend goes late next; one who has come back does not). Without it, everyone is late at the same rate, at random: there is
nothing to learn (everyone on time with chance `on_time`), and an honest evaluation must say so. Rows are written in bulk (history in the past
cannot go through the services, which stamp the present)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select

from domain.models import (
    Assignment,
    AuditEntry,
    Channel,
    Notification,
    NotificationStatus,
    Person,
    PersonStatus,
    Priority,
    Role,
    Task,
    TaskStatus,
)
from domain.uow import Database

BATCH = 5000


@dataclass(frozen=True)
class History:
    people: list[int]
    drifting: set[int]
    tasks: int


def _outcome(rng: random.Random, created: datetime, p_on_time: float, delay_h: float) -> tuple:
    """(due, started, completed) of one task."""
    due = created + timedelta(hours=rng.uniform(24, 72))
    started = created + timedelta(hours=rng.expovariate(1 / delay_h))
    if rng.random() < p_on_time:
        completed = max(started, created) + (due - max(started, created)) * rng.uniform(0.05, 0.9)
        started = min(started, completed)
    elif rng.random() < 0.6:
        completed = due + timedelta(hours=rng.uniform(1, 48))
        started = min(started, completed)
    else:
        completed = None
    return due, started, completed


def _reminders(task_id: int, person_id: int, due: datetime, completed: datetime | None, now: datetime,
               seed: int) -> list[dict[str, Any]]:
    """The reminders the scan would have sent: at the due time, then every 3 hours while overdue (up to 3)."""
    out = []
    for n, at in enumerate(due + timedelta(hours=3 * i) for i in range(3)):
        if at > now or (completed is not None and completed <= at):
            break
        out.append({"kind": "task_reminder", "recipient_id": person_id, "data": {"task_id": task_id},
                    "dedupe_key": f"history:{seed}:reminder:{task_id}:{n}", "status": NotificationStatus.SENT,
                    "attempts": 1, "next_attempt_at": at, "created_at": at, "sent_at": at, "subject_type": "task",
                    "subject_id": task_id, "channel": "telegram"})
    return out


def _snooze(task_id: int, person_id: int, at: datetime) -> dict[str, Any]:
    """A Snooze pressed by the assignee (the audit entry domain.reminders writes)."""
    return {"at": at, "actor_id": person_id, "action": "task.snooze", "object_type": "task",
            "object_id": str(task_id), "channel": Channel.TELEGRAM, "details": {"until": at.isoformat()}}


def plant(db: Database, *, people: int = 300, tasks_per_person: int = 60, days: int = 120,
          signal: bool = True, drifting_share: float = 0.5, seed: int = 1, assigner_id: int | None = None,
          person_ids: list[int] | None = None, name_prefix: str = "Synthetic",
          on_time: float = 0.7, give_up_days: int | None = None) -> History:
    """Write people (unless `person_ids` are given) and their task history up to the clock's now. With
    `give_up_days`, a task still unfinished that long after its due time was cancelled then (as a lead would)."""
    rng = random.Random(seed)
    now = db.clock.now()
    begin = now - timedelta(days=days)
    with db.uow() as uow:
        s = uow.session
        if person_ids is None:  # ids from the database (RETURNING): PostgreSQL's sequences stay right
            first = (s.scalar(select(func.max(Person.id))) or 0) + 1
            person_ids = list(s.scalars(insert(Person).returning(Person.id, sort_by_parameter_order=True), [
                {"name": f"{name_prefix} {first + i}", "phone": f"+4479{seed % 100:02d}{first + i:06d}",
                 "role": Role.MEMBER, "status": PersonStatus.ACTIVE, "link_generation": 0,
                 "created_at": begin, "updated_at": begin} for i in range(people)]))
        assigner = assigner_id or person_ids[0]
        drifting: set[int] = set()
        specs = []  # (person, created, due, started, completed, status, cancelled, snooze at)
        for pid in person_ids:
            p0 = rng.uniform(0.94, 0.995) if signal else on_time
            delay0 = rng.uniform(1, 8)
            drifts = signal and rng.random() < drifting_share
            spells = []  # (from, to): the weeks they drift
            for _ in range(rng.randint(1, 2) if drifts else 0):
                start = begin + timedelta(days=rng.uniform(20, days))
                spells.append((start, start + timedelta(days=rng.uniform(21, 35))))
            if any(b > now - timedelta(days=20) for _a, b in spells):
                drifting.add(pid)
            for _ in range(tasks_per_person):
                created = begin + timedelta(seconds=rng.uniform(0, days * 86400 - 3600))
                p, delay = p0, delay0
                if any(a <= created < b for a, b in spells):
                    p, delay = 0.03, delay0 * 6
                due, started, completed = _outcome(rng, created, p, delay)
                started = started if started <= now else None
                completed = completed if completed is not None and completed <= now else None
                status = (TaskStatus.DONE if completed else TaskStatus.IN_PROGRESS if started
                          else TaskStatus.PENDING)
                cancelled = None
                if give_up_days and completed is None and due + timedelta(days=give_up_days) <= now:
                    status, cancelled = TaskStatus.CANCELLED, due + timedelta(days=give_up_days)
                snooze = created + timedelta(hours=delay / 2)
                snoozed = p < p0 and rng.random() < 0.5 and snooze <= now
                specs.append((pid, created, due, started, completed, status, cancelled, snooze if snoozed else None))
        assignment_ids: list[int] = []
        for i in range(0, len(specs), BATCH):
            assignment_ids += s.scalars(insert(Assignment).returning(Assignment.id, sort_by_parameter_order=True), [
                {"title": "Weekly check", "description": "", "priority": Priority.NORMAL, "due_at": due,
                 "requires_review": False, "assigner_id": assigner, "targets": {"people": [pid]},
                 "created_at": created} for pid, created, due, *_rest in specs[i:i + BATCH]])
        tasks: list[int] = []
        for i in range(0, len(specs), BATCH):
            tasks += s.scalars(insert(Task).returning(Task.id, sort_by_parameter_order=True), [
                {"assignment_id": aid, "assignee_id": pid, "assigner_id": assigner, "title": "Weekly check",
                 "description": "", "priority": Priority.NORMAL, "due_at": due, "requires_review": False,
                 "status": status, "created_at": created, "updated_at": completed or started or created,
                 "started_at": started, "completed_at": completed, "cancelled_at": cancelled, "reopen_count": 0}
                for aid, (pid, created, due, started, completed, status, cancelled, _z)
                in zip(assignment_ids[i:i + BATCH], specs[i:i + BATCH], strict=True)])
        reminders, snoozes = [], []
        for tid, (pid, _c, due, _s, completed, _st, _x, snooze_at) in zip(tasks, specs, strict=True):
            reminders += _reminders(tid, pid, due, completed, now, seed)
            if snooze_at is not None:
                snoozes.append(_snooze(tid, pid, snooze_at))
        for table, rows in ((Notification, reminders), (AuditEntry, snoozes)):
            for i in range(0, len(rows), BATCH):
                s.execute(insert(table), rows[i:i + BATCH])
        uow.commit()
    return History(person_ids, drifting, len(tasks))
