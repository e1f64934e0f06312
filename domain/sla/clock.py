"""The SLA clock: business minutes in the organisation's calendar (time zone, working days and hours,
holidays), or plain minutes for a 24/7 policy. Pure functions over aware datetimes; answers in UTC."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS = 3 * 366  # no target reaches further than this in working days


@dataclass(frozen=True)
class Calendar:
    """The organisation's working time: ISO weekdays (1 = Monday), the day's hours, holidays."""

    tz: str = "UTC"
    days: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    start: time = time(9, 0)
    end: time = time(18, 0)
    holidays: frozenset[date] = frozenset()

    def windows(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The working spans (UTC) that end after `since`, in order, clipped to start no earlier."""
        zone = ZoneInfo(self.tz)
        day = since.astimezone(zone).date() - timedelta(days=1)
        for _ in range(MAX_DAYS):
            if day.isoweekday() in self.days and day not in self.holidays and self.start < self.end:
                lo = datetime.combine(day, self.start, zone).astimezone(UTC)
                hi = datetime.combine(day, self.end, zone).astimezone(UTC)
                if hi > since:
                    yield max(lo, since), hi
            day += timedelta(days=1)


ALWAYS: Calendar | None = None  # a 24/7 policy counts plain minutes


def add_minutes(cal: Calendar | None, start: datetime, minutes: float) -> datetime:
    """The moment `minutes` of clock time after `start` (business minutes when `cal` is given)."""
    start = start.astimezone(UTC)
    if cal is None or minutes <= 0:
        return start + timedelta(minutes=max(minutes, 0)) if cal is None else _next_open(cal, start)
    left = timedelta(minutes=minutes)
    for lo, hi in cal.windows(start):
        if hi - lo >= left:
            return lo + left
        left -= hi - lo
    raise ValueError("the calendar has no working time within reach")


def _next_open(cal: Calendar, moment: datetime) -> datetime:
    """`moment` if it is working time, else the next working time's start (zero minutes added)."""
    for lo, _hi in cal.windows(moment):
        return lo
    return moment


def minutes_between(cal: Calendar | None, a: datetime, b: datetime) -> float:
    """Clock minutes from `a` to `b` (business minutes when `cal` is given); negative when b < a."""
    if b < a:
        return -minutes_between(cal, b, a)
    if cal is None:
        return (b - a).total_seconds() / 60
    total = timedelta()
    for lo, hi in cal.windows(a):
        if lo >= b:
            break
        total += min(hi, b) - lo
    return total.total_seconds() / 60
