"""The metrics' SQL: counts, SLA sums, percentiles and per-day trend computed by the database (GROUP BY),
so a month over 100,000 items returns a few hundred rows, not every item.

Portable where it can be; where the dialects differ:
- percentiles: PostgreSQL's `percentile_disc` (the nearest rank: the smallest value whose cumulative share
  reaches p, the same number as `metrics.nearest_rank`); elsewhere (SQLite) a count, then one ordered query
  per percentile reading the value at rank ceil(p * n) (LIMIT 1 OFFSET rank - 1).
- local days: PostgreSQL groups by `date(timezone(tz, t))`; SQLite by 15-minute UTC buckets (every time
  zone's midnight falls on a quarter hour) that Python folds into local days (at most 96 a day).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
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
from sqlalchemy.sql.elements import KeyedColumnElement

from domain.models import OPEN_TICKET_STATUSES, Task, Ticket

QUARTER = 900  # seconds in a SQLite trend bucket


@dataclass(frozen=True)
class Counts:
    """What the grouped scans give: items by status and priority, the SLA sums, seconds percentiles."""

    by_status: Counter[str]
    by_priority: Counter[str]
    at_risk: int
    breached: int
    fr_met: int
    fr_decided: int
    res_met: int
    res_decided: int


def _pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _met(due: ColumnElement[datetime], at: ColumnElement[datetime]) -> ColumnElement[bool]:
    """The target was met on time."""
    return and_(due.is_not(None), at.is_not(None), at <= due)


def _missed(due: ColumnElement[datetime], at: ColumnElement[datetime], now: datetime) -> ColumnElement[bool]:
    """The target was missed: met late, or not met and past due."""
    return and_(due.is_not(None), or_(and_(at.is_not(None), at > due), and_(at.is_(None), due <= now)))


def _n(cond: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((cond, 1), else_=0))


def counts(session: Session, tickets_where: ColumnElement[bool], tasks_where: ColumnElement[bool],
           now: datetime) -> Counts:
    """Items by status and priority, and the tickets' SLA sums (one grouped scan per table)."""
    fr_due, fr_at = Ticket.first_response_due_at, Ticket.first_response_at
    res_due, res_at = Ticket.resolution_due_at, Ticket.resolved_at
    fr_missed, res_missed = _missed(fr_due, fr_at, now), _missed(res_due, res_at, now)
    at_risk = and_(Ticket.status.in_(OPEN_TICKET_STATUSES), Ticket.sla_risk_at.is_not(None),
                   Ticket.sla_due_at.is_not(None), Ticket.sla_risk_at <= now, Ticket.sla_due_at > now)
    rows = session.execute(select(
        Ticket.status, Ticket.priority, func.count(), _n(at_risk), _n(or_(fr_missed, res_missed)),
        _n(_met(fr_due, fr_at)), _n(or_(_met(fr_due, fr_at), fr_missed)),
        _n(_met(res_due, res_at)), _n(or_(_met(res_due, res_at), res_missed)))
        .where(tickets_where).group_by(Ticket.status, Ticket.priority)).all()
    status: Counter[str] = Counter()
    priority: Counter[str] = Counter()
    sums = [0] * 6
    for st, pr, n, *rest in rows:
        status[str(st)] += int(n)
        priority[str(pr)] += int(n)
        sums = [a + int(b or 0) for a, b in zip(sums, rest, strict=True)]
    for st, pr, n in session.execute(select(Task.status, Task.priority, func.count()).where(tasks_where)
                                     .group_by(Task.status, Task.priority)):
        status[str(st)] += int(n)
        priority[str(pr)] += int(n)
    return Counts(status, priority, *sums)


def _seconds(session: Session, later: KeyedColumnElement[datetime] | ColumnElement[datetime],
             earlier: KeyedColumnElement[datetime] | ColumnElement[datetime]) -> ColumnElement[float]:
    """later - earlier in seconds, as the database computes it."""
    if _pg(session):
        return cast(func.extract("epoch", later - earlier), Float)
    return (func.julianday(later) - func.julianday(earlier)) * literal(86400.0)


def durations(session: Session, parts: Iterable[tuple[type[Ticket] | type[Task], ColumnElement[datetime],
                                                      ColumnElement[bool]]]) -> Select[tuple[float]]:
    """One column `s`: (end - created_at) seconds of each part's rows where end is set and the filter holds."""
    selects = [select(_seconds(session, end, model.created_at).label("s"))
               .where(end.is_not(None), where) for model, end, where in parts]
    return select(union_all(*selects).subquery().c.s) if len(selects) > 1 else selects[0]


def percentiles(session: Session, values: Select[tuple[float]], ps: tuple[float, ...]
                ) -> tuple[int, list[float | None]]:
    """How many values, and their percentiles by nearest rank (None when there are none)."""
    sub = values.subquery()
    col = sub.c[0]
    if _pg(session):
        row = session.execute(select(func.count(), *(func.percentile_disc(p).within_group(col) for p in ps))
                              .select_from(sub)).one()
        n = int(row[0])
        return n, [None if n == 0 or v is None else float(v) for v in row[1:]]
    n = int(session.scalar(select(func.count()).select_from(sub)) or 0)
    if n == 0:
        return 0, [None] * len(ps)
    out: list[float | None] = []
    for p in ps:
        rank = max(math.ceil(p * n), 1)
        out.append(float(session.scalar(select(col).order_by(col).limit(1).offset(rank - 1))))
    return n, out


def _day_key(session: Session, col: ColumnElement[datetime], tz: str) -> ColumnElement[object]:
    if _pg(session):
        return func.date(func.timezone(tz, col))
    return cast(func.strftime("%s", col), Integer) / QUARTER


def per_day(session: Session, col: ColumnElement[datetime], where: ColumnElement[bool], tz: str,
            model: type[Ticket] | type[Task]) -> Counter[date]:
    """How many rows of `model` (where `where` holds) fall on each local day by `col`."""
    key = _day_key(session, col, tz).label("k")
    rows = session.execute(select(key, func.count()).select_from(model).where(where).group_by(key)).all()
    out: Counter[date] = Counter()
    zone = ZoneInfo(tz)
    for k, n in rows:
        if isinstance(k, date):
            out[k] += int(n)
        elif isinstance(k, str):  # a driver that hands the date back as text
            out[date.fromisoformat(k)] += int(n)
        else:
            out[datetime.fromtimestamp(int(k) * QUARTER, UTC).astimezone(zone).date()] += int(n)
    return out
