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
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
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


def _percentiles(seconds: list[float]) -> Percentiles:
    def td(v: float | None) -> timedelta | None:
        return None if v is None else timedelta(seconds=round(v))
    return Percentiles(len(seconds), td(nearest_rank(seconds, 0.5)), td(nearest_rank(seconds, 0.9)))


def _utc(v: datetime | None) -> datetime | None:
    return v.replace(tzinfo=UTC) if v is not None and v.tzinfo is None else v


def _ticket_scope(scope: QueueScope) -> ColumnElement[bool]:
    return true() if scope.everything else Ticket.team_id.in_(scope.led_teams)


def _task_scope(scope: QueueScope) -> ColumnElement[bool]:
    not_ticket_work = ~exists().where(Ticket.assignment_id == Task.assignment_id)
    if scope.everything:
        return not_ticket_work
    members = select(TeamMember.person_id).where(TeamMember.team_id.in_(scope.led_teams))
    return and_(not_ticket_work, Task.assignee_id.in_(members))


def _target(due: datetime | None, met: datetime | None, now: datetime) -> bool | None:
    """True met on time, False missed, None undecided or no target."""
    if due is None:
        return None
    if met is not None:
        return met <= due
    return False if now >= due else None


def metrics(uow: UnitOfWork, actor: Actor, start: datetime, end: datetime, tz: str,
            now: datetime | None = None) -> Metrics:
    """The metrics over [start, end) for an admin or a team lead."""
    if end <= start or (end - start).days > MAX_DAYS:
        raise InvalidInput(f"The period must be at most {MAX_DAYS} days.")
    zone = ZoneInfo(tz)
    with uow:
        now = now or uow.now
        scope = queue_scope(uow.session, actor)
        if not scope.may_use_queue:
            raise Forbidden("Metrics are for admins and team leads.")
        tickets = uow.session.execute(select(
            Ticket.status, Ticket.priority, Ticket.created_at, Ticket.first_response_at,
            Ticket.first_response_due_at, Ticket.resolved_at, Ticket.resolution_due_at, Ticket.sla_due_at,
            Ticket.sla_risk_at).where(_ticket_scope(scope), Ticket.created_at >= start,
                                      Ticket.created_at < end)).all()
        tasks = uow.session.execute(select(Task.status, Task.priority, Task.created_at, Task.completed_at).where(
            _task_scope(scope), Task.created_at >= start, Task.created_at < end)).all()
        people, teams = _workload(uow, scope, now)
    status: Counter[str] = Counter()
    priority: Counter[str] = Counter()
    created: Counter[date] = Counter()
    resolved: Counter[date] = Counter()
    at_risk = breached = 0
    fr_met = fr_decided = res_met = res_decided = 0
    fr_times: list[float] = []
    res_times: list[float] = []
    for t in tickets:
        created_at = _utc(t.created_at)
        status[str(t.status)] += 1
        priority[str(t.priority)] += 1
        created[created_at.astimezone(zone).date()] += 1  # type: ignore[union-attr]
        first_at, resolved_at = _utc(t.first_response_at), _utc(t.resolved_at)
        fr = _target(_utc(t.first_response_due_at), first_at, now)
        res = _target(_utc(t.resolution_due_at), resolved_at, now)
        if t.status in OPEN_TICKET_STATUSES and t.sla_risk_at is not None and t.sla_due_at is not None \
                and _utc(t.sla_risk_at) <= now < _utc(t.sla_due_at):  # type: ignore[operator]
            at_risk += 1
        breached += fr is False or res is False
        fr_decided += fr is not None
        fr_met += fr is True
        res_decided += res is not None
        res_met += res is True
        if first_at is not None:
            fr_times.append((first_at - created_at).total_seconds())  # type: ignore[operator]
        if resolved_at is not None:
            res_times.append((resolved_at - created_at).total_seconds())  # type: ignore[operator]
            if start <= resolved_at < end:
                resolved[resolved_at.astimezone(zone).date()] += 1
    for k in tasks:
        created_at, done_at = _utc(k.created_at), _utc(k.completed_at)
        status[str(k.status)] += 1
        priority[str(k.priority)] += 1
        created[created_at.astimezone(zone).date()] += 1  # type: ignore[union-attr]
        if done_at is not None:
            res_times.append((done_at - created_at).total_seconds())  # type: ignore[operator]
            if start <= done_at < end:
                resolved[done_at.astimezone(zone).date()] += 1
    first_day, last_day = start.astimezone(zone).date(), (end - timedelta(seconds=1)).astimezone(zone).date()
    days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    return Metrics(
        start, end, now, len(tickets) + len(tasks), dict(status), dict(priority), at_risk, breached,
        fr_met / fr_decided if fr_decided else None, res_met / res_decided if res_decided else None,
        _percentiles(fr_times), _percentiles(res_times), people, teams,
        [DayCount(d, created[d], resolved[d]) for d in days])


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
