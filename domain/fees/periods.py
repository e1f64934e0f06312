"""Monthly billing periods ("2026-11"), their due dates, and what a student joining mid-period owes."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from domain.models.fees import JoinRule
from domain.uow import ORG_TZ


def local_today(session: Session, now: datetime) -> date:
    """Today in the organisation's time zone (dues are dated locally)."""
    return now.astimezone(ZoneInfo(str(session.info.get(ORG_TZ) or "UTC"))).date()


def period_of(day: date) -> str:
    """The period a day falls in: "2026-11"."""
    return f"{day.year:04d}-{day.month:02d}"


def bounds(period: str) -> tuple[date, date]:
    """The first and last day of a period."""
    year, month = int(period[:4]), int(period[5:7])
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def next_period(period: str) -> str:
    """The period after this one."""
    year, month = int(period[:4]), int(period[5:7])
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def periods_between(first: date, last: date, limit: int = 24) -> list[str]:
    """The periods from `first`'s to `last`'s, the last `limit` of them at most."""
    out, p, end = [], period_of(first), period_of(last)
    while p <= end:
        out.append(p)
        p = next_period(p)
    return out[-limit:]


def due_date(period: str, due_day: int) -> date:
    """The due date of a period (the due day, or the month's last day when shorter)."""
    start, end = bounds(period)
    return start.replace(day=min(due_day, end.day))


def period_label(period: str) -> str:
    """"November 2026"."""
    start, _ = bounds(period)
    return f"{start:%B %Y}"


def owed_for(period: str, amount: int, rule: JoinRule, enrolled_on: date) -> int:
    """What a student owes for `period` under the plan's join rule, having enrolled on `enrolled_on`:
    the full amount if enrolled by the period's first day; else by the rule (full; pro rata by the days
    left, counted from the day they joined, rounded half up to the minor unit; or nothing this period)."""
    start, end = bounds(period)
    if enrolled_on <= start or rule == JoinRule.FULL:
        return amount
    if rule == JoinRule.NEXT_PERIOD:
        return 0
    days = (end - start).days + 1
    left = (end - enrolled_on).days + 1
    return (amount * left * 2 + days) // (days * 2)
