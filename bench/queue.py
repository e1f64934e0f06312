"""Row 9: the operations queue's first page (domain.queue, full mode: summary + 20 items, soonest breach
first, as an admin) over N open items (half tickets, half tasks), on SQLite and on PostgreSQL when
reachable; p50 and p99 over repeated calls, against a plain first page of tasks by due time. And the
metrics of the last 30 days over the same items (p50 of 5 calls)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, text

from bench.common import Row, percentile, pg_db, progress, sqlite_db
from domain.actors import Actor
from domain.clock import FixedClock
from domain.models import (
    Assignment,
    Person,
    PersonStatus,
    Priority,
    Role,
    Task,
    TaskStatus,
    Team,
    TeamMember,
    Ticket,
    TicketStatus,
)
from domain.ops.insights import DayPoint
from domain.queue import metrics as queue_metrics
from domain.queue import services as queue_service
from domain.queue.query import QueueFilter, QueueSort, statements
from domain.queue.scope import QueueScope
from domain.uow import Database
from web.charts import trend_chart

NOW = datetime(2026, 1, 14, 12, 0, tzinfo=UTC)
PRIORITIES = list(Priority)
CALLS = 60


def populate(db: Database, n: int) -> int:
    """n open items (n/2 tickets over 2 teams, n/2 tasks over 500 people) plus a tenth as many closed ones,
    created over the last 30 days; returns the admin's id."""
    rnd = random.Random(9)
    with db.uow() as uow:
        people = list(uow.session.execute(insert(Person).returning(Person.id), [
            {"name": f"Worker {i}", "phone": f"+4477{i:08d}", "role": Role.ADMIN if i == 0 else Role.MEMBER,
             "status": PersonStatus.ACTIVE, "created_at": NOW, "updated_at": NOW} for i in range(500)]).scalars())
        teams = list(uow.session.execute(insert(Team).returning(Team.id), [
            {"name": f"Team {t}", "description": "", "extra_fields": {}, "options": {}, "created_at": NOW}
            for t in range(2)]).scalars())
        uow.session.execute(insert(TeamMember), [{"team_id": teams[i % 2], "person_id": p, "is_lead": i < 2,
                                                  "added_at": NOW} for i, p in enumerate(people[1:50])])
        half, closed = n // 2, n // 20
        assignments = list(uow.session.execute(insert(Assignment).returning(Assignment.id), [
            {"title": "Bench", "description": "", "priority": Priority.NORMAL, "requires_review": False,
             "assigner_id": people[0], "targets": {}, "created_at": NOW}
            for _ in range((half + closed) // 500 + 1)]).scalars())
        tickets, tasks = [], []
        for i in range(half + closed):
            created = NOW - timedelta(minutes=rnd.randint(0, 30 * 24 * 60))
            is_open = i < half
            due = created + timedelta(hours=rnd.choice([4, 8, 24, 72])) if rnd.random() < 0.9 else None
            tickets.append({
                "number": i + 1, "title": f"Ticket {i}", "description": "", "team_id": teams[i % 2],
                "priority": PRIORITIES[i % 4], "status": rnd.choice([TicketStatus.NEW, TicketStatus.ACCEPTED,
                                                                     TicketStatus.IN_PROGRESS]) if is_open
                else TicketStatus.RESOLVED, "requester_id": people[i % 500], "fields": {},
                "created_at": created, "updated_at": created, "status_at": created, "sla_due_at": due if is_open else None,
                "resolution_due_at": due, "resolved_at": None if is_open else created + timedelta(hours=5)})
            tasks.append({
                "assignment_id": assignments[i // 500], "assignee_id": people[i % 500], "assigner_id": people[0],
                "title": f"Task {i}", "description": "", "status": TaskStatus.PENDING if is_open else TaskStatus.DONE,
                "priority": PRIORITIES[(i + 1) % 4], "requires_review": False, "due_at": due, "created_at": created,
                "updated_at": created, "reopen_count": 0,
                "completed_at": None if is_open else created + timedelta(hours=3)})
            if len(tasks) == 10_000:
                uow.session.execute(insert(Ticket), tickets)
                uow.session.execute(insert(Task), tasks)
                tickets, tasks = [], []
        if tasks:
            uow.session.execute(insert(Ticket), tickets)
            uow.session.execute(insert(Task), tasks)
        uow.commit()
    return people[0]


def _times(fn: Callable[[], object], calls: int = CALLS) -> list[float]:
    fn()  # warm
    out = []
    for _ in range(calls):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def measure(db: Database, admin: int, label: str, n: int) -> list[Row]:
    """The queue's first page against a plain first page of tasks (the same LIMIT, one table)."""
    actor = Actor.web(admin, None)
    full = _times(lambda: queue_service.queue(db.uow(readonly=True), actor, now=NOW))
    page_stmt = statements(QueueScope(admin, True, ()), QueueFilter(), QueueSort.BREACH, False, 20, 0, NOW)
    assert page_stmt is not None

    def first_page() -> None:
        with db.uow(readonly=True) as uow:
            uow.session.execute(page_stmt.page).all()
    page = _times(first_page)

    def plain() -> None:
        with db.uow(readonly=True) as uow:
            uow.session.execute(select(Task.id, Task.title, Task.due_at).where(Task.status == TaskStatus.PENDING)
                                .order_by(Task.due_at).limit(20)).all()
    base = _times(plain)
    size = f"{n:,} open items"
    start, end = queue_metrics.period_bounds("month", NOW, "UTC")

    def month() -> None:
        m = queue_metrics.metrics(db.uow(readonly=True), actor, start, end, "UTC", now=NOW)
        trend_chart([DayPoint(d.day, d.created, d.resolved) for d in m.trend])
    metrics_ms = _times(month, 5)
    return [Row(f"queue first page query p50 ({label})", size, percentile(page, 50), "ms",
                percentile(base, 50), "tasks first page p50", "20 items, soonest breach first (the page query)"),
            Row(f"queue first page query p99 ({label})", size, percentile(page, 99), "ms",
                percentile(base, 99), "tasks first page p99", f"{CALLS} calls"),
            Row(f"queue full mode p50 ({label})", size, percentile(full, 50), "ms",
                note=f"page + summary counts over every open item; p99 {percentile(full, 99):.0f} ms"),
            Row(f"metrics, 30 days, p50 ({label})", f"{n * 11 // 10:,} items", percentile(metrics_ms, 50), "ms",
                note="domain.queue.metrics (grouped in SQL) + the trend chart's geometry (the console page's work)")]


def rows(workdir, n: int) -> list[Row]:  # type: ignore[no-untyped-def]
    """The row on SQLite, and on PostgreSQL when it answers."""
    out = []
    progress(f"queue: {n:,} open items on SQLite")
    db = sqlite_db(workdir, "queue")
    db = Database.from_engine(db.engine, FixedClock(NOW))
    out += measure(db, populate(db, n), "SQLite", n)
    db.engine.dispose()
    pg = pg_db("bench_queue")
    if pg is not None:
        progress(f"queue: {n:,} open items on PostgreSQL")
        pg = Database.from_engine(pg.engine, FixedClock(NOW))
        admin = populate(pg, n)
        with pg.engine.connect() as conn:  # a live database has statistics (autovacuum); a fresh bulk load not yet
            conn.execute(text("ANALYZE"))
            conn.commit()
        out += measure(pg, admin, "PostgreSQL", n)
        pg.engine.dispose()
    return out
