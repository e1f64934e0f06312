"""Engagement features, computed in SQL over each person's task history as of a prediction time, and the
label: whether that person's next task with a due time went late or was missed.

No leakage: every feature at time t reads only what had happened before t (a task finished after t
counts as open at t, a reminder sent after t is not counted); the label's task is assigned at or after t.
Several prediction times are computed in one query (a small table of snapshot times joined to tasks).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, and_, case, func, literal, not_, or_, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from domain.models import AuditEntry, Notification, Task, TaskStatus
from domain.models.base import UTCDateTime


@dataclass(frozen=True)
class Feature:
    name: str
    label: str  # in words, for the model card and reasons
    unit: str  # "%", "h", "d" or "" (a count)


FEATURES: tuple[Feature, ...] = (
    Feature("done_7", "tasks finished, last 7 days", "%"),
    Feature("done_30", "tasks finished, last 30 days", "%"),
    Feature("done_90", "tasks finished, last 90 days", "%"),
    Feature("ontime_7", "on time, last 7 days", "%"),
    Feature("ontime_30", "on time, last 30 days", "%"),
    Feature("ontime_90", "on time, last 90 days", "%"),
    Feature("late_mean_h", "average lateness", "h"),
    Feature("late_sd_h", "spread of lateness", "h"),
    Feature("open", "open tasks", ""),
    Feature("overdue", "overdue tasks", ""),
    Feature("start_7_h", "time to first Start, last 7 days", "h"),
    Feature("start_30_h", "time to first Start, last 30 days", "h"),
    Feature("reminders", "reminders needed, last 90 days", ""),
    Feature("snoozes", "snoozes, last 90 days", ""),
    Feature("idle_d", "days since last activity", "d"),
    Feature("load_week", "tasks due in the coming week", ""),
)
NAMES = tuple(f.name for f in FEATURES)
BY_NAME = {f.name: f for f in FEATURES}
WINDOWS = (7, 30, 90)
REMINDER_KIND = "task_reminder"
SNOOZE_ACTION = "task.snooze"


class seconds_between(FunctionElement[float]):
    """Seconds from `earlier` to `later`: EXTRACT(EPOCH ...) on PostgreSQL, julianday on SQLite."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between)
def _seconds_pg(element: Any, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)}))"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (f"((julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)}))"
            " * 86400.0)")


@dataclass(frozen=True)
class Example:
    snap: int
    person_id: int
    values: tuple[float | None, ...]  # in the order of FEATURES
    label: int | None = None  # 1: next task late or missed; None: no such task, or not yet known
    label_due: datetime | None = None


def counted() -> Any:
    """The tasks that say something about their assignee: not declined, not cancelled before their due time
    (a task given up after its due time unfinished was missed)."""
    return and_(Task.status != TaskStatus.DECLINED,
                or_(Task.cancelled_at.is_(None), and_(Task.due_at.is_not(None), Task.cancelled_at > Task.due_at)))


def _snapshots(times: Sequence[datetime]) -> Any:
    """A small table (snap, t, t7, t30, t90, next7) of the prediction times, as a CTE."""
    when = UTCDateTime()
    parts = [
        select(literal(i).label("snap"), literal(t, when).label("t"),
               *(literal(t - timedelta(days=w), when).label(f"t{w}") for w in WINDOWS),
               literal(t + timedelta(days=7), when).label("next7"))
        for i, t in enumerate(times)
    ]
    return (union_all(*parts) if len(parts) > 1 else parts[0]).cte("snapshots")


def _ratio(hit: Any, of: Any) -> Any:
    """hit / of, NULL when nothing counted."""
    total = func.sum(case((of, 1), else_=0))
    return func.sum(case((and_(of, hit), 1.0), else_=0.0)) / func.nullif(total, 0)


def _task_rows(session: Session, snaps: Any, people: Sequence[int] | None) -> list[Any]:
    """The task-based features per (snapshot, person)."""
    t = snaps.c.t
    finished = and_(Task.completed_at.is_not(None), Task.completed_at < t)
    live = or_(Task.cancelled_at.is_(None), Task.cancelled_at >= t)
    open_at = and_(live, not_(finished))
    hours = 3600.0
    lateness = seconds_between(Task.completed_at, Task.due_at) / hours
    due_90 = and_(Task.due_at >= snaps.c.t90, Task.due_at < t, finished)
    started = case((Task.started_at < t, Task.started_at), else_=t)  # not started yet: waiting until t
    activity = case((finished, Task.completed_at), (Task.started_at < t, Task.started_at))
    columns = [snaps.c.snap, Task.assignee_id]
    for w in WINDOWS:
        columns.append(_ratio(finished, Task.created_at >= getattr(snaps.c, f"t{w}")).label(f"done_{w}"))
    for w in WINDOWS:
        columns.append(_ratio(Task.completed_at <= Task.due_at,
                              and_(Task.due_at >= getattr(snaps.c, f"t{w}"), Task.due_at < t)).label(f"ontime_{w}"))
    columns += [
        func.avg(case((due_90, lateness))).label("late_mean_h"),
        func.avg(case((due_90, lateness * lateness))).label("late_m2"),
        func.sum(case((open_at, 1), else_=0)).label("open"),
        func.sum(case((and_(open_at, Task.due_at < t), 1), else_=0)).label("overdue"),
        *(func.avg(case((Task.created_at >= getattr(snaps.c, f"t{w}"), seconds_between(started, Task.created_at) / hours)))
          .label(f"start_{w}_h") for w in (7, 30)),
        (seconds_between(t, func.coalesce(func.max(activity), func.min(Task.created_at))) / 86400.0)
        .label("idle_d"),
        func.sum(case((and_(open_at, Task.due_at >= t, Task.due_at < snaps.c.next7), 1), else_=0)).label("load_week"),
    ]
    q = (select(*columns).select_from(snaps).join(Task, Task.created_at < t)
         .where(counted())
         .group_by(snaps.c.snap, snaps.c.t, Task.assignee_id))
    if people is not None:
        q = q.where(Task.assignee_id.in_(people))
    return list(session.execute(q))


def _counts(session: Session, snaps: Any, people: Sequence[int] | None) -> tuple[dict[Any, int], dict[Any, int]]:
    """Reminders sent for a person's tasks and snoozes they pressed, in the 90 days before each snapshot."""
    t = snaps.c.t
    rq = (select(snaps.c.snap, Task.assignee_id, func.count())
          .select_from(snaps).join(Notification, and_(Notification.created_at < t, Notification.created_at >= snaps.c.t90))
          .join(Task, and_(Notification.subject_type == "task", Task.id == Notification.subject_id))
          .where(Notification.kind == REMINDER_KIND)
          .group_by(snaps.c.snap, Task.assignee_id))
    sq = (select(snaps.c.snap, AuditEntry.actor_id, func.count())
          .select_from(snaps).join(AuditEntry, and_(AuditEntry.at < t, AuditEntry.at >= snaps.c.t90))
          .where(AuditEntry.action == SNOOZE_ACTION, AuditEntry.actor_id.is_not(None))
          .group_by(snaps.c.snap, AuditEntry.actor_id))
    if people is not None:
        rq, sq = rq.where(Task.assignee_id.in_(people)), sq.where(AuditEntry.actor_id.in_(people))
    reminders = {(r[0], r[1]): r[2] for r in session.execute(rq)}
    snoozes = {(r[0], r[1]): r[2] for r in session.execute(sq)}
    return reminders, snoozes


def _labels(session: Session, snaps: Any, known_by: datetime) -> dict[tuple[int, int], tuple[int | None, datetime]]:
    """Per (snapshot, person): the next task with a due time assigned at or after the snapshot, late or not
    (None when its due time had not passed by `known_by`)."""
    order = func.row_number().over(partition_by=(snaps.c.snap, Task.assignee_id), order_by=(Task.created_at, Task.id))
    ranked = (select(snaps.c.snap, Task.assignee_id, Task.due_at, Task.completed_at, order.label("n"))
              .select_from(snaps).join(Task, Task.created_at >= snaps.c.t)
              .where(Task.due_at.is_not(None), counted())
              .subquery())
    rows = session.execute(select(ranked.c.snap, ranked.c.assignee_id, ranked.c.due_at, ranked.c.completed_at)
                           .where(ranked.c.n == 1))
    out: dict[tuple[int, int], tuple[int | None, datetime]] = {}
    for snap, person, due, done in rows:
        due = UTCDateTime().process_result_value(due, session.get_bind().dialect)
        done = UTCDateTime().process_result_value(done, session.get_bind().dialect)
        label = None if due > known_by else int(done is None or done > due)
        out[(snap, person)] = (label, due)
    return out


def compute(session: Session, times: Sequence[datetime], *, people: Sequence[int] | None = None,
            labels_known_by: datetime | None = None) -> list[Example]:
    """The features of every person with history at each of `times` (and, given `labels_known_by`,
    their labels)."""
    if not times:
        return []
    snaps = _snapshots(times)
    reminders, snoozes = _counts(session, snaps, people)
    labels = _labels(session, snaps, labels_known_by) if labels_known_by is not None else {}
    out = []
    rows = _task_rows(session, snaps, people)
    if not rows:
        return []
    position = {name: i for i, name in enumerate(rows[0]._fields)}
    mean_at, m2_at = position["late_mean_h"], position["late_m2"]
    sql_at = [(i, position.get(name)) for i, name in enumerate(NAMES)]
    sd_at, rem_at, snooze_at = NAMES.index("late_sd_h"), NAMES.index("reminders"), NAMES.index("snoozes")
    for row in rows:
        key = (row[0], row[1])
        values: list[float | None] = [None if at is None or row[at] is None else float(row[at]) for _i, at in sql_at]
        mean, m2 = row[mean_at], row[m2_at]
        values[sd_at] = math.sqrt(max(float(m2) - float(mean) ** 2, 0.0)) if mean is not None else None
        values[rem_at], values[snooze_at] = float(reminders.get(key, 0)), float(snoozes.get(key, 0))
        label, due = labels.get(key, (None, None))
        out.append(Example(key[0], key[1], tuple(values), label, due))
    return out
