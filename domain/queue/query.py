"""The queue's one query: open tickets and open tasks as a UNION ALL of two selects, filtered by the
viewer's scope, ordered and paged in SQL.

Each branch is ordered and cut at offset + limit first (its status/due index serves it), then the union
is ordered again and paged, so the database never sorts more than two short lists. A task that is the
work of a ticket is left out: the ticket stands for it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.types import Integer, String

from domain.errors import InvalidInput
from domain.models import (
    OPEN_STATUSES,
    OPEN_TICKET_STATUSES,
    Person,
    Priority,
    Task,
    Team,
    Ticket,
    TicketAssignee,
)
from domain.queue.scope import QueueScope

MAX_LIMIT = 100
PRIORITY_RANK = {Priority.URGENT: 4, Priority.HIGH: 3, Priority.NORMAL: 2, Priority.LOW: 1}


class QueueSort(enum.StrEnum):
    BREACH = "breach"  # time to breach: the soonest deadline first (none last)
    PRIORITY = "priority"  # the most urgent first
    AGE = "age"  # the oldest first
    DUE = "due"  # the due time, soonest first (none last)


class ItemType(enum.StrEnum):
    TICKET = "ticket"
    TASK = "task"


@dataclass(frozen=True)
class QueueFilter:
    """What to show; None means any."""

    status: str | None = None
    priority: Priority | None = None
    type: ItemType | None = None
    team_id: int | None = None
    assignee_id: int | None = None
    item_id: int | None = None  # one item (with `type`): opening it from a list


def _rank(column: ColumnElement[Any]) -> ColumnElement[int]:
    return case(*((column == p.value, r) for p, r in PRIORITY_RANK.items()), else_=0)


def _ticket_select(scope: QueueScope, f: QueueFilter, by_deadline: bool = False) -> Select[Any] | None:
    """Open tickets in scope matching the filter, as queue columns; None when the filter excludes them."""
    if f.type == ItemType.TASK:
        return None
    statuses = [s.value for s in OPEN_TICKET_STATUSES]
    if f.status is not None:
        if f.status not in statuses:
            return None
        statuses = [f.status]
    deadline = func.coalesce(Ticket.sla_due_at, Ticket.due_at)  # sla's stored next deadline, else due
    stmt = select(
        literal(ItemType.TICKET.value).label("kind"), Ticket.id.label("id"), Ticket.number.label("ref"),
        Ticket.title.label("title"), type_coerce(Ticket.status, String).label("status"),
        type_coerce(Ticket.priority, String).label("priority"),
        _rank(Ticket.priority).label("rank"), Ticket.team_id.label("team_id"),
        cast(null(), Integer).label("assignee_id"), Ticket.created_at.label("created_at"), Ticket.due_at.label("due_at"),
        deadline.label("deadline"), Ticket.sla_risk_at.label("risk_at"),
    ).where(_status_in(statuses) if by_deadline else Ticket.status.in_(statuses))
    if f.priority is not None:
        stmt = stmt.where(Ticket.priority == f.priority)
    if f.team_id is not None:
        stmt = stmt.where(Ticket.team_id == f.team_id)
    if f.item_id is not None:
        stmt = stmt.where(Ticket.id == f.item_id)
    if f.assignee_id is not None:
        stmt = stmt.where(_assigned(f.assignee_id))
    if not scope.everything:
        led = Ticket.team_id.in_(scope.led_teams) if scope.led_teams else false()
        stmt = stmt.where(or_(led, _assigned(scope.person_id)))
    return stmt


def _status_in(statuses: list[str]) -> ColumnElement[bool]:
    """The status test written so that no index serves it: the part walking ix_tickets_sla_due_at keeps that
    index (SQLite would otherwise prefer the status index and sort every open ticket)."""
    return func.lower(Ticket.status, type_=String).in_(statuses)


def _assigned(person_id: int) -> ColumnElement[bool]:
    return exists().where(TicketAssignee.ticket_id == Ticket.id, TicketAssignee.person_id == person_id)


def _task_select(scope: QueueScope, f: QueueFilter) -> Select[Any] | None:
    """Open tasks in scope (not a ticket's work) matching the filter; None when the filter excludes them."""
    if f.type == ItemType.TICKET or f.team_id is not None:
        return None  # tasks belong to no team
    statuses = [s.value for s in OPEN_STATUSES]
    if f.status is not None:
        if f.status not in statuses:
            return None
        statuses = [f.status]
    stmt = select(
        literal(ItemType.TASK.value).label("kind"), Task.id.label("id"), Task.id.label("ref"),
        Task.title.label("title"), type_coerce(Task.status, String).label("status"),
        type_coerce(Task.priority, String).label("priority"),
        _rank(Task.priority).label("rank"), cast(null(), Integer).label("team_id"), Task.assignee_id.label("assignee_id"),
        Task.created_at.label("created_at"), Task.due_at.label("due_at"), Task.due_at.label("deadline"),
        cast(null(), Ticket.sla_risk_at.type).label("risk_at"),
    ).where(Task.status.in_(statuses),
            ~exists().where(Ticket.assignment_id == Task.assignment_id))
    if f.priority is not None:
        stmt = stmt.where(Task.priority == f.priority)
    if f.assignee_id is not None:
        stmt = stmt.where(Task.assignee_id == f.assignee_id)
    if f.item_id is not None:
        stmt = stmt.where(Task.id == f.item_id)
    if not scope.everything:
        stmt = stmt.where(Task.assignee_id == scope.person_id)
    return stmt


def _order(cols: Any, sort: QueueSort, desc: bool) -> list[ColumnElement[Any]]:
    """The ORDER BY of a branch or of the union: the key, missing times last, then type and id."""
    def by(c: ColumnElement[Any], reverse: bool) -> ColumnElement[Any]:
        return c.desc() if reverse else c.asc()

    if sort == QueueSort.PRIORITY:
        keys = [by(cols.rank, not desc), cols.deadline.is_(None), cols.deadline.asc()]
    elif sort == QueueSort.AGE:
        keys = [by(cols.created_at, desc)]
    else:
        column = cols.deadline if sort == QueueSort.BREACH else cols.due_at
        keys = [column.is_(None), by(column, desc)]
    return [*keys, cols.kind.asc(), cols.id.asc()]


def _parts(branch: Select[Any], scope: QueueScope, f: QueueFilter, sort: QueueSort, desc: bool,
           n: int) -> list[Select[Any]]:
    """A branch cut at its first n rows in the order asked for. By time to breach (and due time, for tasks)
    it is split so that each part walks an index in order and stops after n rows: tickets with an SLA
    deadline on ix_tickets_sla_due_at, tasks with a due time one status at a time on ix_tasks_status_due;
    the rest (no deadline) are few and sorted. Other orders sort the branch's rows."""
    cols = branch.selected_columns
    is_ticket = Ticket.__table__ in branch.get_final_froms()

    def walk(column: Any) -> Any:
        return column.desc() if desc else column.asc()

    if sort == QueueSort.BREACH and is_ticket:
        by_deadline = _ticket_select(scope, f, by_deadline=True)
        assert by_deadline is not None
        return [by_deadline.where(Ticket.sla_due_at.is_not(None)).order_by(walk(Ticket.sla_due_at), Ticket.id)
                .limit(n),
                branch.where(Ticket.sla_due_at.is_(None)).order_by(*_order(cols, sort, desc)).limit(n)]
    if sort in (QueueSort.BREACH, QueueSort.DUE) and not is_ticket:
        statuses = [f.status] if f.status else [s.value for s in OPEN_STATUSES]
        return [*(branch.where(Task.status == s, Task.due_at.is_not(None)).order_by(walk(Task.due_at), Task.id)
                  .limit(n) for s in statuses),
                branch.where(Task.due_at.is_(None)).order_by(Task.id).limit(n)]
    return [branch.order_by(*_order(cols, sort, desc)).limit(n)]


@dataclass(frozen=True)
class Statements:
    page: Select[Any]
    summary: Select[Any]


def statements(scope: QueueScope, f: QueueFilter, sort: QueueSort, desc: bool, limit: int, offset: int,
               now: datetime) -> Statements | None:
    """The page and summary statements for the viewer; None when the filter leaves nothing to look at."""
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}, offset not negative.")
    branches = [b for b in (_ticket_select(scope, f), _task_select(scope, f)) if b is not None]
    if not branches:
        return None
    cut = [part for b in branches for part in _parts(b, scope, f, sort, desc, offset + limit)]
    top = (union_all(*[c.subquery().select() for c in cut]) if len(cut) > 1 else cut[0]).subquery("q")
    page = select(top, Team.name.label("team_name"), Person.name.label("assignee_name")) \
        .outerjoin(Team, Team.id == top.c.team_id).outerjoin(Person, Person.id == top.c.assignee_id) \
        .order_by(*_order(top.c, sort, desc)).limit(limit).offset(offset)
    whole = (union_all(*branches) if len(branches) > 1 else branches[0]).subquery("a")
    overdue = and_(whole.c.deadline.is_not(None), whole.c.deadline <= now)  # as domain.sla.queries
    summary = select(
        func.count(), func.coalesce(func.sum(case((whole.c.kind == ItemType.TICKET.value, 1), else_=0)), 0),
        func.coalesce(func.sum(case((overdue, 1), else_=0)), 0),
        *(func.coalesce(func.sum(case((whole.c.priority == p.value, 1), else_=0)), 0) for p in Priority),
        func.coalesce(func.sum(case((and_(whole.c.deadline.is_not(None), whole.c.deadline > now,
                                          whole.c.deadline < now + timedelta(hours=4)), 1), else_=0)), 0),
        func.coalesce(func.sum(case((and_(whole.c.risk_at.is_not(None), whole.c.risk_at <= now,
                                          whole.c.deadline > now), 1), else_=0)), 0),
    )
    return Statements(page, summary)
