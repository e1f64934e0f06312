"""The queue as the console, the bot and the API ask for it: a summary, and in full mode one page of items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from domain.actors import Actor
from domain.errors import Forbidden, NotFound
from domain.models import Person, Priority, TicketAssignee
from domain.queue.query import MAX_LIMIT, ItemType, QueueFilter, QueueSort, statements
from domain.queue.scope import QueueScope, queue_scope
from domain.uow import UnitOfWork

PAGE = 20


@dataclass(frozen=True)
class QueueItem:
    type: str  # ticket or task
    id: int
    ref: str  # "#12" for a ticket, "task 7" for a task
    title: str
    status: str
    priority: str
    team_id: int | None
    team: str | None
    assignees: list[str]
    created_at: datetime
    due_at: datetime | None
    breach_at: datetime | None  # the deadline the item is measured against
    time_left: timedelta | None  # negative once breached

    @property
    def breached(self) -> bool:
        return self.time_left is not None and self.time_left <= timedelta(0)


@dataclass(frozen=True)
class QueueSummary:
    total: int
    tickets: int
    tasks: int
    overdue: int
    due_soon: int  # deadline within the next four hours
    at_risk: int  # tickets past their SLA risk moment, not yet breached
    by_priority: dict[str, int]


@dataclass(frozen=True)
class QueuePage:
    now: datetime
    sort: str
    desc: bool
    limit: int
    offset: int
    summary: QueueSummary
    items: list[QueueItem]  # empty in summary mode

    @property
    def total(self) -> int:
        return self.summary.total

    @property
    def next_offset(self) -> int | None:
        end = self.offset + self.limit
        return end if end < self.summary.total else None


EMPTY = QueueSummary(0, 0, 0, 0, 0, 0, {p.value: 0 for p in Priority})


def queue(uow: UnitOfWork, actor: Actor, filters: QueueFilter | None = None, *,
          sort: QueueSort = QueueSort.BREACH, desc: bool = False, limit: int = PAGE, offset: int = 0,
          full: bool = True, now: datetime | None = None, org_only: bool = False) -> QueuePage:
    """The viewer's queue: the summary, and in full mode one page ordered by `sort`.

    `org_only` refuses people who are neither admins nor team leads (the console page, /queue)."""
    filters = filters or QueueFilter()
    limit = min(limit, MAX_LIMIT)
    with uow:
        now = now or uow.now
        scope = queue_scope(uow.session, actor)
        if org_only and not scope.may_use_queue:
            raise Forbidden("The queue is for admins and team leads.")
        stmts = statements(scope, filters, sort, desc, limit, offset, now)
        if stmts is None:
            return QueuePage(now, sort.value, desc, limit, offset, EMPTY, [])
        total, tickets, overdue, *rest = uow.session.execute(stmts.summary).one()
        by_priority = {p.value: int(n) for p, n in zip(Priority, rest[:len(Priority)], strict=True)}
        summary = QueueSummary(int(total), int(tickets), int(total) - int(tickets), int(overdue),
                               int(rest[-2]), int(rest[-1]), by_priority)
        rows = uow.session.execute(stmts.page).all() if full else []
        names = _ticket_assignees(uow, [r.id for r in rows if r.kind == "ticket"])
    items = [_item(r, names, now) for r in rows]
    return QueuePage(now, sort.value, desc, limit, offset, summary, items)


def uses_queue(uow: UnitOfWork, person_id: int) -> bool:
    """Whether the person gets the organisation queue (/queue in their menu): admins and team leads."""
    with uow:
        try:
            return queue_scope(uow.session, Actor.telegram(person_id)).may_use_queue
        except Forbidden:
            return False


def queue_item(uow: UnitOfWork, actor: Actor, item_type: ItemType, item_id: int) -> QueueItem:
    """One open item of the viewer's queue (opening it from a list); NotFound when closed or not theirs."""
    page = queue(uow, actor, QueueFilter(type=item_type, item_id=item_id), limit=1)
    if not page.items:
        raise NotFound("This item is closed or not in your queue.")
    return page.items[0]


def _ticket_assignees(uow: UnitOfWork, ticket_ids: list[int]) -> dict[int, list[str]]:
    """The assignees' names of the page's tickets, in one query."""
    out: dict[int, list[str]] = {}
    if ticket_ids:
        stmt = select(TicketAssignee.ticket_id, Person.name).join(Person, Person.id == TicketAssignee.person_id) \
            .where(TicketAssignee.ticket_id.in_(ticket_ids)).order_by(Person.name)
        for ticket_id, name in uow.session.execute(stmt):
            out.setdefault(ticket_id, []).append(name)
    return out


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _item(r, names: dict[int, list[str]], now: datetime) -> QueueItem:  # type: ignore[no-untyped-def]
    deadline = _utc(r.deadline)
    is_ticket = r.kind == "ticket"
    assignees = names.get(r.id, []) if is_ticket else [r.assignee_name] if r.assignee_name else []
    return QueueItem(r.kind, r.id, f"#{r.ref}" if is_ticket else f"task {r.ref}", r.title, str(r.status),
                     str(r.priority), r.team_id, r.team_name, assignees, _utc(r.created_at),  # type: ignore[arg-type]
                     _utc(r.due_at), deadline, None if deadline is None else deadline - now)


def gauges(uow: UnitOfWork, now: datetime | None = None) -> QueueSummary:
    """The organisation's queue summary for monitoring (/metrics): no viewer, everything counts."""
    with uow:
        now = now or uow.now
        stmts = statements(QueueScope(0, True, ()), QueueFilter(), QueueSort.BREACH, False, 1, 0, now)
        assert stmts is not None
        total, tickets, overdue, *rest = uow.session.execute(stmts.summary).one()
    by_priority = {p.value: int(n) for p, n in zip(Priority, rest[:len(Priority)], strict=True)}
    return QueueSummary(int(total), int(tickets), int(total) - int(tickets), int(overdue), int(rest[-2]),
                        int(rest[-1]), by_priority)
