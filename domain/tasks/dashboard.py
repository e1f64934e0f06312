"""The personal dashboard behind a signed link: a person's most urgent open tasks, recent finished ones,
a summary, and the change marker the page polls.

Every function runs a fixed number of queries whatever the number of tasks.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    func,
    select,
)

from domain.errors import Forbidden, InvalidInput, NotFound
from domain.links import LinkInvalid
from domain.models import (
    FINISHED_STATUSES,
    OPEN_STATUSES,
    Person,
    PersonStatus,
    Task,
    TaskEvent,
)
from domain.people.services import REVOKED
from domain.tasks.queries import MAX_PAGE, TaskRow, row_select, urgency_order
from domain.uow import UnitOfWork

RECENT_LIMIT = 10
OPEN_PAGE = 25  # open tasks on the dashboard unless asked for more
OPEN_MAX = MAX_PAGE  # the most a "Show more" link can ask for: one page


@dataclass(frozen=True)
class Summary:
    completed_count: int
    average_completion: timedelta | None  # mean of completed_at - started_at over started ones
    on_time_count: int
    with_due_count: int  # completed tasks that had a due time

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time_count / self.with_due_count if self.with_due_count else None


@dataclass(frozen=True)
class Dashboard:
    person_id: int
    person_name: str
    timezone: str | None
    now: datetime
    open_tasks: list[TaskRow]  # the most urgent first, at most open_limit of them
    open_count: int  # all open tasks, shown or not
    overdue_count: int  # all overdue open tasks, shown or not
    open_limit: int
    recent_finished: list[TaskRow]  # finished or cancelled, the last changed first
    summary: Summary
    version: str

    @property
    def hidden_open(self) -> int:
        """Open tasks not on the page."""
        return max(self.open_count - len(self.open_tasks), 0)

    @property
    def next_open_limit(self) -> int | None:
        """What a "Show more" link asks for: twice as many, up to OPEN_MAX; None when nothing more."""
        if not self.hidden_open or self.open_limit >= OPEN_MAX:
            return None
        return min(self.open_limit * 2, OPEN_MAX)


def _seconds(dialect: str, start: ColumnElement[datetime], end: ColumnElement[datetime]
             ) -> ColumnElement[float]:
    if dialect == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return func.extract("epoch", end - start)


def _count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _version_columns(person_id: BindParameter[int]) -> tuple[ColumnElement[int], ColumnElement[datetime],
                                                             ColumnElement[int]]:
    """Aggregates over the person's tasks (count, last update) and their last event's id."""
    mine = select(Task.id).where(Task.assignee_id == person_id).correlate(None)  # not the outer tasks
    last_event = select(func.max(TaskEvent.id)).where(TaskEvent.task_id.in_(mine)).scalar_subquery()
    return func.count(Task.id), func.max(Task.updated_at), last_event


def _version_of(count: int, last_update: datetime | None, last_event: int | None) -> str:
    raw = f"{count}|{last_update.isoformat() if last_update else '-'}|{last_event or 0}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class _Statements:
    viewer: Select[Any]
    totals: Select[Any]  # one row: change marker, open and overdue counts, the summary
    open_tasks: Select[Any]
    finished: Select[Any]
    version: Select[Any]
    marker: Select[Any]  # one row: the viewer's link generation, status, name and zone, and the version


@cache
def _statements(dialect: str) -> _Statements:
    """The dashboard's queries, built once per dialect; run with person_id, now and limit bound."""
    person_id, now = bindparam("person_id"), bindparam("now")
    is_open = Task.status.in_(OPEN_STATUSES)
    overdue = and_(Task.due_at.is_not(None), Task.due_at < now)  # `now` takes the column's UTC type
    finished = and_(Task.status.in_(FINISHED_STATUSES), Task.completed_at.is_not(None))
    mine = Task.assignee_id == person_id
    return _Statements(
        viewer=select(Person.name, Person.timezone, Person.status).where(Person.id == person_id),
        totals=select(
            *_version_columns(person_id),
            _count_where(is_open),
            _count_where(and_(is_open, overdue)),
            _count_where(finished),
            func.avg(case((and_(finished, Task.started_at.is_not(None)),
                           _seconds(dialect, Task.started_at, Task.completed_at)))),
            _count_where(and_(finished, Task.due_at.is_not(None), Task.completed_at <= Task.due_at)),
            _count_where(and_(finished, Task.due_at.is_not(None))),
        ).where(mine),
        open_tasks=row_select().where(mine, is_open).order_by(*urgency_order(now)).limit(bindparam("limit")),
        finished=row_select().where(mine, Task.status.not_in(OPEN_STATUSES))
        .order_by(Task.updated_at.desc(), Task.id.desc()).limit(RECENT_LIMIT),
        version=select(*_version_columns(person_id)).where(mine),
        marker=select(Person.link_generation, Person.status, Person.name, Person.timezone,
                      *(select(column).where(mine).scalar_subquery() for column in _version_columns(person_id)[:2]),
                      _version_columns(person_id)[2]).where(Person.id == person_id),
    )


def _load_viewer(uow: UnitOfWork, person_id: int) -> tuple[str, str | None]:
    """The viewer's name and time zone; refuses unknown and inactive people."""
    row = uow.session.execute(_statements(uow.dialect).viewer, {"person_id": person_id}).one_or_none()
    if row is None:
        raise NotFound("This link belongs to nobody we know.")
    if row.status != PersonStatus.ACTIVE:
        raise Forbidden("This account is not active; ask an administrator.")
    return row.name, row.timezone


def person_dashboard(uow: UnitOfWork, person_id: int, now: datetime | None = None, *,
                     open_limit: int = OPEN_PAGE) -> Dashboard:
    """A person's most urgent open tasks, recent finished ones and a summary.

    Four queries whatever the number of tasks: the viewer, one row of aggregates (counts, summary,
    change marker), the first `open_limit` open tasks (urgency_order) and the last RECENT_LIMIT finished
    ones, as task rows.
    """
    if not 1 <= open_limit <= OPEN_MAX:
        raise InvalidInput(f"open_limit must be between 1 and {OPEN_MAX}.")
    with uow:
        now = now or uow.now
        name, timezone = _load_viewer(uow, person_id)
        stmts = _statements(uow.dialect)
        params = {"person_id": person_id, "now": now}
        totals = uow.session.execute(stmts.totals, params).one()
        open_rows = uow.session.execute(stmts.open_tasks, {**params, "limit": open_limit}).all()
        finished_rows = uow.session.execute(stmts.finished, params).all()
    (n_tasks, updated, event_id, open_count, overdue_count, completed, avg_seconds, on_time,
     with_due) = totals
    summary = Summary(
        int(completed), None if avg_seconds is None else timedelta(seconds=float(avg_seconds)),
        int(on_time), int(with_due))
    return Dashboard(
        person_id, name, timezone, now,
        [TaskRow(*row) for row in open_rows],
        int(open_count), int(overdue_count), open_limit,
        [TaskRow(*row) for row in finished_rows],
        summary, _version_of(int(n_tasks), updated, event_id))


def dashboard_version(uow: UnitOfWork, person_id: int) -> str:
    """A short marker that changes whenever any of the person's tasks changes (two small queries)."""
    with uow:
        _load_viewer(uow, person_id)
        count, last_update, last_event = uow.session.execute(
            _statements(uow.dialect).version, {"person_id": person_id}).one()
        return _version_of(int(count), last_update, last_event)


def checked_version(uow: UnitOfWork, person_id: int, generation: int) -> tuple[str, str, str]:
    """(task version, name, time zone) of the person behind a dashboard link, after refusing a revoked link
    or an inactive person: one query on the connection (a plain Core result, half the time of the ORM's)."""
    with uow:
        row = uow.session.connection().execute(
            _statements(uow.dialect).marker, {"person_id": person_id}).one_or_none()
    if row is None:
        raise NotFound("No such person.")
    link_generation, status, name, timezone, count, last_update, last_event = row
    if link_generation != generation:
        raise LinkInvalid(REVOKED)
    if status != PersonStatus.ACTIVE:
        raise Forbidden("This account is not active; ask an administrator.")
    return _version_of(int(count), last_update, last_event), name, timezone or ""


def page_marker(uow: UnitOfWork, person_id: int, generation: int) -> str:
    """What the rendered page depends on beyond the clock: the viewer's name and zone and the version of
    their tasks (checked_version). The web keeps a rendered page while it stays the same (web.page_cache)."""
    return "|".join(checked_version(uow, person_id, generation))
