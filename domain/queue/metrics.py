"""Metrics of the desk and the tasks over a period, for admins (everything) and team leads (their teams'
tickets and their members' tasks).

Counted items: tickets and tasks created in [start, end) (a task that is a ticket's work is left out; its
ticket stands for it).
- by status, by priority: those items.
- SLA, over those tickets: at risk (open, past the stored risk moment, deadline not yet passed); breached
  (a first-response or resolution target missed: met late, or not met and past due); compliance per
  target = met on time / decided (met, or past due unmet), None when nothing is decided.
- first response time: first_response_at - created_at (tickets answered); resolution time: resolved_at -
  created_at (tickets) and completed_at - created_at (tasks). Median and 90th percentile by nearest rank
  (the value at position ceil(p * n) of the sorted list).
- workload now (whatever the period): open items per assignee and per team, and how many are overdue
  (past their deadline: sla's stored one for tickets, else the due time).
- trend: per local day of the period, items created and items resolved (tickets resolved, tasks done).

The counting is the database's (GROUP BY, `domain.queue.metrics_sql`): a few hundred grouped rows come back,
not the items; `nearest_rank` is the definition the SQL percentiles reproduce.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, exists, func, select, true

from domain.actors import Actor
from domain.errors import Forbidden, InvalidInput
from domain.models import (
    OPEN_STATUSES,
    OPEN_TICKET_STATUSES,
    Person,
    Task,
    Team,
    TeamMember,
    Ticket,
    TicketAssignee,
)
from domain.queue import metrics_sql as sql
from domain.queue.scope import QueueScope, queue_scope
from domain.uow import UnitOfWork

PERIODS = ("today", "week", "month", "custom")
MAX_DAYS = 366


@dataclass(frozen=True)
class Percentiles:
    count: int
    median: timedelta | None
    p90: timedelta | None


@dataclass(frozen=True)
class Load:
    id: int
    name: str
    open: int
    overdue: int


@dataclass(frozen=True)
class DayCount:
    day: date
    created: int
    resolved: int


@dataclass(frozen=True)
class Metrics:
    start: datetime
    end: datetime
    now: datetime
    total: int
    by_status: dict[str, int]
    by_priority: dict[str, int]
    at_risk: int
    breached: int
    first_response_compliance: float | None
    resolution_compliance: float | None
    first_response: Percentiles
    resolution: Percentiles
    people: list[Load]
    teams: list[Load]
    trend: list[DayCount]


def period_bounds(period: str, now: datetime, tz: str, first: date | None = None,
                  last: date | None = None) -> tuple[datetime, datetime]:
    """[start, end) in UTC of today, the last 7 days, the last 30 days, or first..last (local days)."""
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    if period == "custom":
        if first is None or last is None or last < first or (last - first).days >= MAX_DAYS:
            raise InvalidInput(f"A custom period needs a first and a last day, at most {MAX_DAYS} days apart.")
    elif period in ("today", "week", "month"):
        first, last = today - timedelta(days={"today": 0, "week": 6, "month": 29}[period]), today
    else:
        raise InvalidInput(f"The period must be one of {', '.join(PERIODS)}.")
    start = datetime.combine(first, time(), zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC)
    return start, end


def nearest_rank(values: list[float], p: float) -> float | None:
    """The p-th (0..1) percentile by nearest rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(p * len(ordered)), 1) - 1]


def _percentiles(count: int, values: list[float | None]) -> Percentiles:
    def td(v: float | None) -> timedelta | None:
        return None if v is None else timedelta(seconds=round(v))
    return Percentiles(count, td(values[0]), td(values[1]))


def _ticket_scope(scope: QueueScope) -> ColumnElement[bool]:
    return true() if scope.everything else Ticket.team_id.in_(scope.led_teams)


def _task_scope(scope: QueueScope) -> ColumnElement[bool]:
    not_ticket_work = ~exists().where(Ticket.assignment_id == Task.assignment_id)
    if scope.everything:
        return not_ticket_work
    members = select(TeamMember.person_id).where(TeamMember.team_id.in_(scope.led_teams))
    return and_(not_ticket_work, Task.assignee_id.in_(members))


def metrics(uow: UnitOfWork, actor: Actor, start: datetime, end: datetime, tz: str,
            now: datetime | None = None) -> Metrics:
    """The metrics over [start, end) for an admin or a team lead (grouped in SQL: domain.queue.metrics_sql)."""
    if end <= start or (end - start).days > MAX_DAYS:
        raise InvalidInput(f"The period must be at most {MAX_DAYS} days.")
    zone = ZoneInfo(tz)
    with uow:
        now = now or uow.now
        s = uow.session
        scope = queue_scope(s, actor)
        if not scope.may_use_queue:
            raise Forbidden("Metrics are for admins and team leads.")
        tickets = and_(_ticket_scope(scope), Ticket.created_at >= start, Ticket.created_at < end)
        tasks = and_(_task_scope(scope), Task.created_at >= start, Task.created_at < end)
        segments = sql.offsets(start, end, tz)
        c = sql.counts(s, tickets, tasks, now, tz, segments)
        fr = sql.percentiles(s, sql.durations(s, [(Ticket, Ticket.first_response_at, tickets)]), c.responded,
                             (0.5, 0.9))
        res = sql.percentiles(s, sql.durations(s, [(Ticket, Ticket.resolved_at, tickets),
                                                   (Task, Task.completed_at, tasks)]), c.resolved, (0.5, 0.9))
        resolved = sql.per_day(s, Ticket.resolved_at, and_(tickets, Ticket.resolved_at >= start,
                                                           Ticket.resolved_at < end), tz, segments, Ticket)
        resolved += sql.per_day(s, Task.completed_at, and_(tasks, Task.completed_at >= start,
                                                          Task.completed_at < end), tz, segments, Task)
        people, teams = _workload(uow, scope, now)
    first_day, last_day = start.astimezone(zone).date(), (end - timedelta(seconds=1)).astimezone(zone).date()
    days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    return Metrics(
        start, end, now, sum(c.by_status.values()), dict(sorted(c.by_status.items())),
        dict(sorted(c.by_priority.items())), c.at_risk, c.breached, c.fr_met / c.fr_decided if c.fr_decided else None,
        c.res_met / c.res_decided if c.res_decided else None,
        _percentiles(c.responded, fr), _percentiles(c.resolved, res), people, teams,
        [DayCount(d, c.created[d], resolved[d]) for d in days])


def _workload(uow: UnitOfWork, scope: QueueScope, now: datetime) -> tuple[list[Load], list[Load]]:
    """Open items and overdue ones per assignee and per team, now (three grouped queries)."""
    deadline = func.coalesce(Ticket.sla_due_at, Ticket.due_at)
    ticket_open = and_(Ticket.status.in_(OPEN_TICKET_STATUSES), _ticket_scope(scope))
    over_ticket = and_(deadline.is_not(None), deadline <= now)
    per: defaultdict[int, list[int]] = defaultdict(lambda: [0, 0])
    names: dict[int, str] = {}
    rows = uow.session.execute(
        select(TicketAssignee.person_id, Person.name, func.count(),
               func.sum(case((over_ticket, 1), else_=0)))
        .join(Ticket, Ticket.id == TicketAssignee.ticket_id).join(Person, Person.id == TicketAssignee.person_id)
        .where(ticket_open).group_by(TicketAssignee.person_id, Person.name)).all()
    rows += uow.session.execute(
        select(Task.assignee_id, Person.name, func.count(),
               func.sum(case((and_(Task.due_at.is_not(None), Task.due_at <= now), 1), else_=0)))
        .join(Person, Person.id == Task.assignee_id)
        .where(Task.status.in_(OPEN_STATUSES), _task_scope(scope)).group_by(Task.assignee_id, Person.name)).all()
    for pid, name, n, over in rows:
        names[pid] = name
        per[pid][0] += int(n)
        per[pid][1] += int(over or 0)
    people = sorted((Load(p, names[p], o, d) for p, (o, d) in per.items()), key=lambda x: (-x.open, x.name))
    team_rows = uow.session.execute(
        select(Team.id, Team.name, func.count(), func.sum(case((over_ticket, 1), else_=0)))
        .join(Ticket, Ticket.team_id == Team.id).where(ticket_open).group_by(Team.id, Team.name)
        .order_by(Team.name)).all()
    teams = [Load(i, n, int(c), int(o or 0)) for i, n, c, o in team_rows]
    return people, teams
