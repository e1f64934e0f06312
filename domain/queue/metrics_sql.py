"""The metrics' SQL: counts, SLA sums, percentiles and the per-day trend computed by the database (GROUP BY),
so a month over 100,000 items comes back as a few hundred rows, not every item.

Portable where it can be; where the dialects differ:
- percentiles: PostgreSQL's `percentile_disc` (the nearest rank: the smallest value whose cumulative share
  reaches p, the same number as `metrics.nearest_rank`; `percentile_cont` would interpolate); elsewhere
  (SQLite) the values numbered in order (`row_number() OVER (ORDER BY v)`) and the ranks ceil(p * n) read.
- local days: PostgreSQL groups by `date(timezone(tz, t))`; SQLite by `date(t, '+N seconds')` with the zone's
  UTC offset, a CASE over the period's offset changes (daylight saving) worked out in Python.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from domain.models import OPEN_TICKET_STATUSES, Task, Ticket

SAMPLE = timedelta(hours=6)  # offset changes are months apart: sampling this often finds each one


@dataclass(frozen=True)
class Counts:
    """What the grouped scans give: items by status, priority and local day created; the SLA sums; how many
    first responses and resolutions there are (the percentiles' n)."""

    by_status: Counter[str]
    by_priority: Counter[str]
    created: Counter[date]
    at_risk: int
    breached: int
    fr_met: int
    fr_decided: int
    res_met: int
    res_decided: int
    responded: int
    resolved: int


def _pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def offsets(start: datetime, end: datetime, tz: str) -> list[tuple[datetime, int]]:
    """The zone's UTC offset (seconds) over [start, end): [(from, offset)], the first from `start`."""
    zone = ZoneInfo(tz)

    def off(t: datetime) -> int:
        return int(t.astimezone(zone).utcoffset().total_seconds())  # type: ignore[union-attr]

    out = [(start, off(start))]
    t = start
    while t < end:
        nxt = min(t + SAMPLE, end)
        if off(nxt) != out[-1][1]:
            lo, hi = t, nxt  # off(lo) is the old offset, off(hi) the new: narrow to the second
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                lo, hi = (mid, hi) if off(mid) == out[-1][1] else (lo, mid)
            out.append((hi, off(hi)))
        t = nxt
    return out


def local_day(session: Session, col: ColumnElement[datetime], tz: str,
              segments: list[tuple[datetime, int]]) -> ColumnElement[object]:
    """The local date of `col` in SQL (rows within the segments' period)."""
    if _pg(session):
        return func.date(func.timezone(tz, col))
    shifts = [f"{o:+d} seconds" for _, o in segments]
    modifier = literal(shifts[0]) if len(segments) == 1 else case(
        *((col < segments[i + 1][0], shifts[i]) for i in range(len(segments) - 1)), else_=shifts[-1])
    return func.date(col, modifier)


def as_date(value: object) -> date:
    """A day key as the driver hands it back (a date, or ISO text on SQLite)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _met(due: ColumnElement[datetime], at: ColumnElement[datetime]) -> ColumnElement[bool]:
    """The target was met on time."""
    return and_(due.is_not(None), at.is_not(None), at <= due)


def _missed(due: ColumnElement[datetime], at: ColumnElement[datetime], now: datetime) -> ColumnElement[bool]:
    """The target was missed: met late, or not met and past due."""
    return and_(due.is_not(None), or_(and_(at.is_not(None), at > due), and_(at.is_(None), due <= now)))


def _n(cond: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((cond, 1), else_=0))


def counts(session: Session, tickets_where: ColumnElement[bool], tasks_where: ColumnElement[bool],
           now: datetime, tz: str, segments: list[tuple[datetime, int]]) -> Counts:
    """Items by status, priority and day created, and the tickets' SLA sums: one grouped scan per table."""
    fr_due, fr_at = Ticket.first_response_due_at, Ticket.first_response_at
    res_due, res_at = Ticket.resolution_due_at, Ticket.resolved_at
    fr_missed, res_missed = _missed(fr_due, fr_at, now), _missed(res_due, res_at, now)
    at_risk = and_(Ticket.status.in_(OPEN_TICKET_STATUSES), Ticket.sla_risk_at.is_not(None),
                   Ticket.sla_due_at.is_not(None), Ticket.sla_risk_at <= now, Ticket.sla_due_at > now)
    day = local_day(session, Ticket.created_at, tz, segments).label("day")
    rows = session.execute(select(
        Ticket.status, Ticket.priority, day, func.count(), _n(at_risk), _n(or_(fr_missed, res_missed)),
        _n(_met(fr_due, fr_at)), _n(or_(_met(fr_due, fr_at), fr_missed)),
        _n(_met(res_due, res_at)), _n(or_(_met(res_due, res_at), res_missed)),
        _n(fr_at.is_not(None)), _n(res_at.is_not(None)))
        .where(tickets_where).group_by(Ticket.status, Ticket.priority, day)).all()
    status: Counter[str] = Counter()
    priority: Counter[str] = Counter()
    created: Counter[date] = Counter()
    sums = [0] * 8
    for st, pr, d, n, *rest in rows:
        status[str(st)] += int(n)
        priority[str(pr)] += int(n)
        created[as_date(d)] += int(n)
        sums = [a + int(b or 0) for a, b in zip(sums, rest, strict=True)]
    day = local_day(session, Task.created_at, tz, segments).label("day")
    for st, pr, d, n, done in session.execute(
            select(Task.status, Task.priority, day, func.count(), _n(Task.completed_at.is_not(None)))
            .where(tasks_where).group_by(Task.status, Task.priority, day)):
        status[str(st)] += int(n)
        priority[str(pr)] += int(n)
        created[as_date(d)] += int(n)
        sums[7] += int(done or 0)
    return Counts(status, priority, created, *sums)


def _seconds(session: Session, later: ColumnElement[datetime], earlier: ColumnElement[datetime]
             ) -> ColumnElement[float]:
    """later - earlier in seconds, as the database computes it."""
    if _pg(session):
        return cast(func.extract("epoch", later - earlier), Float)
    return (func.julianday(later) - func.julianday(earlier)) * literal(86400.0)


def durations(session: Session, parts: Iterable[tuple[type[Ticket] | type[Task], ColumnElement[datetime],
                                                      ColumnElement[bool]]]) -> Select[tuple[float]]:
    """One column: (end - created_at) seconds of each part's rows where end is set and the filter holds."""
    selects = [select(_seconds(session, end, model.created_at).label("s"))
               .where(end.is_not(None), where) for model, end, where in parts]
    return select(union_all(*selects).subquery().c.s) if len(selects) > 1 else selects[0]


def percentiles(session: Session, values: Select[tuple[float]], n: int, ps: tuple[float, ...]
                ) -> list[float | None]:
    """The percentiles (nearest rank) of the `n` values; None each when there are none. One query."""
    if n == 0:
        return [None] * len(ps)
    sub = values.subquery()
    col = sub.c[0]
    if _pg(session):
        row = session.execute(select(*(func.percentile_disc(p).within_group(col) for p in ps))
                              .select_from(sub)).one()
        return [None if v is None else float(v) for v in row]
    ranks = [max(math.ceil(p * n), 1) for p in ps]
    ranked = select(col.label("v"), func.row_number().over(order_by=col).label("rn")).subquery()
    found = {int(rn): float(v) for rn, v in session.execute(
        select(ranked.c.rn, ranked.c.v).where(ranked.c.rn.in_(sorted(set(ranks)))))}
    return [found.get(r) for r in ranks]


def per_day(session: Session, col: ColumnElement[datetime], where: ColumnElement[bool], tz: str,
            segments: list[tuple[datetime, int]], model: type[Ticket] | type[Task]) -> Counter[date]:
    """How many rows of `model` (where `where` holds) fall on each local day by `col`."""
    key = local_day(session, col, tz, segments).label("k")
    rows = session.execute(select(key, func.count()).select_from(model).where(where).group_by(key)).all()
    out: Counter[date] = Counter()
    for k, n in rows:
        out[as_date(k)] += int(n)
    return out
