"""Insights over a period: completion rate, average completion time, on-time rate and overdue count,
overall, per group and per person, and a day-by-day trend. Admins see every task; teachers the tasks
they assigned and those of the people in the groups they run.

The tasks counted ("assigned in the period") are those created in [start, end), not cancelled.
- completion rate: finished (done or approved) / assigned
- average completion time: mean of completed_at - created_at over the finished ones
- on-time rate: finished by their due time / finished ones that had a due time
- overdue: still open and past their due time now, whenever assigned (the console's Overdue filter)
The trend counts, per local day, the tasks assigned and the tasks finished that day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from domain.actors import Actor
from domain.errors import InvalidInput
from domain.groups.queries import group_scope
from domain.models import (
    FINISHED_STATUSES,
    OPEN_STATUSES,
    Group,
    GroupMember,
    Person,
    Task,
    TaskStatus,
)
from domain.people.viewer import load_viewer
from domain.tasks.queries import TaskFilter, filter_conditions
from domain.tasks.scope import visible_tasks
from domain.uow import UnitOfWork

MAX_DAYS = 366


@dataclass
class Stats:
    id: int | None
    label: str
    assigned: int = 0
    completed: int = 0
    on_time: int = 0
    with_due: int = 0
    overdue: int = 0
    total_seconds: float = 0.0

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.assigned if self.assigned else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.with_due if self.with_due else None

    @property
    def average_completion(self) -> timedelta | None:
        return timedelta(seconds=self.total_seconds / self.completed) if self.completed else None


@dataclass(frozen=True)
class DayPoint:
    day: date
    assigned: int
    completed: int


@dataclass(frozen=True)
class Insights:
    start: datetime
    end: datetime
    now: datetime
    timezone: str
    total: Stats
    by_group: list[Stats]
    by_person: list[Stats]
    trend: list[DayPoint] = field(default_factory=list)


Row = tuple[int, int, TaskStatus, datetime, datetime | None, datetime | None]


def _overdue(row: Row, now: datetime) -> bool:
    """Open and past its due time now (the console's Overdue filter: domain.tasks.queries)."""
    _id, _assignee, status, _created, _completed, due = row
    return status in OPEN_STATUSES and due is not None and due < now


def _add(stats: Stats, task: Row, now: datetime, start: datetime, end: datetime) -> None:
    """Count a task: assigned and finished when created in the period; overdue whenever it is overdue now."""
    _id, _assignee, status, created, completed, due = task
    stats.overdue += _overdue(task, now)
    if not start <= created < end:
        return
    stats.assigned += 1
    if status in FINISHED_STATUSES and completed is not None:
        stats.completed += 1
        stats.total_seconds += max((completed - created).total_seconds(), 0.0)
        if due is not None:
            stats.with_due += 1
            stats.on_time += completed <= due


def last_days(days: int, now: datetime, tz: str) -> tuple[datetime, datetime]:
    """The period of the last `days` local days, today included (the console's "7 days" and the brief's week)."""
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    start = datetime.combine(today - timedelta(days=days - 1), datetime.min.time(), zone)
    return start, datetime.combine(today + timedelta(days=1), datetime.min.time(), zone)


def _rows(session: Session, me: Person, start: datetime, end: datetime, now: datetime) -> list[Row]:
    """The tasks this viewer may see that were assigned or finished in the period, or are overdue now."""
    in_period = and_(Task.created_at >= start, Task.created_at < end)
    done_in_period = and_(Task.completed_at >= start, Task.completed_at < end)
    overdue_now = filter_conditions(TaskFilter(overdue=True), now)
    return [tuple(r) for r in session.execute(  # type: ignore[misc]
        select(Task.id, Task.assignee_id, Task.status, Task.created_at, Task.completed_at, Task.due_at)
        .where(*visible_tasks(me), Task.status.not_in((TaskStatus.CANCELLED, TaskStatus.DECLINED)),
               or_(in_period, done_in_period, and_(*overdue_now)))).all()]


def totals(session: Session, me: Person, start: datetime, end: datetime, now: datetime) -> Stats:
    """The "All" line of the insights over [start, end) (the admin's brief reads this)."""
    total = Stats(None, "All")
    for row in _rows(session, me, start, end, now):
        _add(total, row, now, start, end)
    return total


def insights(uow: UnitOfWork, actor: Actor, start: datetime, end: datetime, tz: str) -> Insights:
    """Task statistics over [start, end) for the tasks this admin or teacher may see (domain.tasks.scope)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("The period needs a time zone.")
    if end <= start:
        raise InvalidInput("The period must end after it starts.")
    if end - start > timedelta(days=MAX_DAYS):
        raise InvalidInput(f"Choose a period of at most {MAX_DAYS} days.")
    zone = ZoneInfo(tz)
    with uow:
        me = load_viewer(uow, actor)
        now = uow.now
        rows = _rows(uow.session, me, start, end, now)
        memberships = uow.session.execute(
            select(Group.id, Group.name, GroupMember.person_id)
            .outerjoin(GroupMember, GroupMember.group_id == Group.id).where(*group_scope(me))
            .order_by(Group.name)).all()
        assignee_ids = {r[1] for r in rows}
        names = dict(uow.session.execute(
            select(Person.id, Person.name).where(Person.id.in_(assignee_ids))).all()) \
            if assignee_ids else {}

    total = Stats(None, "All")
    groups: dict[int, Stats] = {}
    groups_of: dict[int, list[int]] = defaultdict(list)
    for gid, gname, pid in memberships:
        groups.setdefault(gid, Stats(gid, gname))
        if pid is not None:
            groups_of[pid].append(gid)
    people: dict[int, Stats] = {}
    first_day, last_day = start.astimezone(zone).date(), (end - timedelta(microseconds=1)).astimezone(zone).date()
    assigned_on: dict[date, int] = defaultdict(int)
    completed_on: dict[date, int] = defaultdict(int)
    for row in rows:
        _id, assignee, status, created, completed, _due = row
        if status in FINISHED_STATUSES and completed is not None and start <= completed < end:
            completed_on[completed.astimezone(zone).date()] += 1
        if start <= created < end:
            assigned_on[created.astimezone(zone).date()] += 1
        _add(total, row, now, start, end)
        _add(people.setdefault(assignee, Stats(assignee, names.get(assignee, f"#{assignee}"))), row, now, start, end)
        for gid in groups_of.get(assignee, []):
            _add(groups[gid], row, now, start, end)
    trend = []
    day = first_day
    while day <= last_day:
        trend.append(DayPoint(day, assigned_on[day], completed_on[day]))
        day += timedelta(days=1)
    by_person = sorted(people.values(), key=lambda s: (-s.assigned, s.label))
    return Insights(start, end, now, tz, total, list(groups.values()), by_person, trend)
