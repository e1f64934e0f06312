"""Insights with evidence: which groups, weekdays (of the due time) and assignment hours go late more often
than the rest, over the tasks that fell due in the last 90 days. Shown only when the difference is large
enough and both sides have enough tasks to trust."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from domain.engagement.features import counted
from domain.models import Group, GroupMember, Task

DAYS = 90
MIN_TASKS = 20  # on each side of a comparison
MIN_POINTS = 15  # percentage points more often late than the rest
LIMIT = 5
WEEKDAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


def _decided(now: datetime) -> Any:
    """Tasks due in the last 90 days (so the outcome is known), neither declined nor cancelled before due."""
    return and_(Task.due_at.is_not(None), Task.due_at < now, Task.due_at >= now - timedelta(days=DAYS),
                counted())


def _late() -> Any:
    """1 when late or missed (not finished, or finished after the due time), else 0."""
    return case((or_(Task.completed_at.is_(None), Task.completed_at > Task.due_at), 1), else_=0)


def _compare(what: str, late: int, n: int, all_late: int, all_n: int, advice: str) -> dict[str, Any] | None:
    """A suggestion when this slice goes late clearly more often than the rest, with enough tasks on both sides."""
    rest_late, rest_n = all_late - late, all_n - n
    if n < MIN_TASKS or rest_n < MIN_TASKS:
        return None
    rate, rest = late / n, rest_late / rest_n
    if (rate - rest) * 100 < MIN_POINTS:
        return None
    return {"text": f"{what} go late more often: {advice}",
            "evidence": f"{round(rate * 100)} % late ({late} of {n}) against {round(rest * 100)} % "
                        f"({rest_late} of {rest_n}) for the rest, tasks due in the last {DAYS} days",
            "gap": round((rate - rest) * 100)}


def compute(session: Session, now: datetime, tz: str) -> list[dict[str, Any]]:
    """The suggestions, largest gap first."""
    decided = _decided(now)
    total = session.execute(select(func.count(), func.coalesce(func.sum(_late()), 0)).where(decided)).one()
    all_n, all_late = int(total[0]), int(total[1])
    if all_n < 2 * MIN_TASKS:
        return []
    out = []
    groups = session.execute(
        select(Group.name, func.count(), func.sum(_late()))
        .join(GroupMember, GroupMember.group_id == Group.id)
        .join(Task, Task.assignee_id == GroupMember.person_id).where(decided).group_by(Group.name))
    for name, n, late in groups:
        out.append(_compare(f"Tasks for {name}", int(late), int(n), all_late, all_n,
                            "check their load and deadlines with the group's lead."))
    zone = ZoneInfo(tz)
    by_day: Counter[int] = Counter()
    by_day_late: Counter[int] = Counter()
    by_hour: Counter[str] = Counter()
    by_hour_late: Counter[str] = Counter()
    for created, due, late in session.execute(select(Task.created_at, Task.due_at, _late()).where(decided)):
        day = due.astimezone(zone).weekday()
        hour = created.astimezone(zone).hour
        slot = "before 9:00" if hour < 9 else "after 17:00" if hour >= 17 else "in working hours"
        by_day[day] += 1
        by_day_late[day] += late
        by_hour[slot] += 1
        by_hour_late[slot] += late
    for day, n in by_day.items():
        out.append(_compare(f"Tasks due on {WEEKDAYS[day]}", by_day_late[day], n, all_late, all_n,
                            "consider another due day or an earlier reminder."))
    for slot, n in by_hour.items():
        out.append(_compare(f"Tasks assigned {slot}", by_hour_late[slot], n, all_late, all_n,
                            "assign them at another time of day, or allow more time."))
    found = [s for s in out if s is not None]
    return sorted(found, key=lambda s: -s["gap"])[:LIMIT]
