"""Row 5: the scheduler's scans. reminders.scan over 100,000 open tasks and pipeline.auto_close over
10,000 sessions, each against a plain SELECT count(*) of the same table; EXPLAIN QUERY PLAN of both."""

from __future__ import annotations

import contextlib
import random
import shutil
import sqlite3
import statistics
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import event, insert, text

from bench.common import Row, progress, sqlite_db, timed
from domain.attendance import pipeline
from domain.clock import FixedClock
from domain.database import make_engine
from domain.models import (
    Assignment,
    Batch,
    BatchTeacher,
    ClassSession,
    Person,
    PersonStatus,
    Priority,
    Role,
    ScheduleSlot,
    SessionStatus,
    Task,
    TaskStatus,
)
from domain.reminders import services as reminders
from domain.uow import Database

NOW = datetime(2026, 1, 14, 12, 0, tzinfo=UTC)  # 12:00 London, 21:00 Tokyo (quiet), 07:00 New York
ZONES = ["Europe/London"] * 6 + ["Asia/Tokyo"] * 2 + ["America/New_York"] * 2
PLANS: dict[str, list[str]] = {}  # query name -> EXPLAIN QUERY PLAN lines, for RESULTS.md


def _people(db: Database, n: int, role: Role, prefix: str) -> list[int]:
    rnd = random.Random(7)
    with db.uow() as uow:
        rows = []
        for i in range(n):
            custom = rnd.random() < 0.1  # a tenth set their own quiet hours (here: 11:00-13:00 local)
            rows.append({"name": f"{prefix} {i}", "phone": f"+44{(prefix[0] == 'T' and 76) or 75}{i:08d}",
                         "role": role, "status": PersonStatus.ACTIVE, "timezone": ZONES[i % len(ZONES)],
                         "quiet_start": time(11, 0) if custom else None, "quiet_end": time(13, 0) if custom else None,
                         "created_at": NOW, "updated_at": NOW})
        result = uow.session.execute(insert(Person).returning(Person.id), rows)
        ids = list(result.scalars())
        uow.commit()
    return ids


def populate_tasks(db: Database, n: int, due_share: float) -> int:
    """n tasks over 1,000 people: 90% open; next_reminder_at due now for `due_share` of them."""
    rnd = random.Random(42)
    people = _people(db, 1000, Role.STUDENT, "Student")
    admin = _people(db, 1, Role.ADMIN, "Teacher")[0]
    per = len(people)
    with db.uow() as uow:
        assignments = list(uow.session.execute(insert(Assignment).returning(Assignment.id), [
            {"title": f"Assignment {a}", "description": "", "priority": Priority.NORMAL, "requires_review": False,
             "assigner_id": admin, "targets": {}, "created_at": NOW - timedelta(days=5)}
            for a in range((n + per - 1) // per)]).scalars())
        rows = []
        due_count = 0
        for i in range(n):
            status = TaskStatus.DONE if i % 10 == 9 else (TaskStatus.IN_PROGRESS if i % 10 >= 7 else TaskStatus.PENDING)
            due = NOW + timedelta(minutes=rnd.randint(-3 * 24 * 60, 10 * 24 * 60))  # overdue .. in 10 days
            is_due = status != TaskStatus.DONE and rnd.random() < due_share
            due_count += is_due
            nxt = None if status == TaskStatus.DONE else (
                NOW - timedelta(minutes=rnd.randint(0, 120)) if is_due else NOW + timedelta(minutes=rnd.randint(1, 7200)))
            rows.append({"assignment_id": assignments[i // per], "assignee_id": people[i % per], "assigner_id": admin,
                         "title": f"Task {i}", "description": "", "status": status, "due_at": due,
                         "priority": Priority.URGENT if i % 20 == 0 else Priority.NORMAL, "requires_review": False,
                         "created_at": NOW - timedelta(days=5), "updated_at": NOW - timedelta(days=5),
                         "reopen_count": 0, "next_reminder_at": nxt})
            if len(rows) == 10_000:
                uow.session.execute(insert(Task), rows)
                rows = []
        if rows:
            uow.session.execute(insert(Task), rows)
        uow.commit()
    return due_count


def populate_sessions(db: Database, n: int, batches: int = 50) -> None:
    """n sessions over `batches` batches, one a day each: past ones closed/missed, the last two days
    submitted/open/scheduled (what auto_close acts on), future ones scheduled."""
    rnd = random.Random(3)
    teachers = _people(db, batches, Role.TEACHER, "Teacher")
    days = n // batches
    today = NOW.date()
    with db.uow() as uow:
        bids = list(uow.session.execute(insert(Batch).returning(Batch.id), [
            {"name": f"Batch {b}", "subject": "Maths", "level": "", "active": True, "created_at": NOW}
            for b in range(batches)]).scalars())
        uow.session.execute(insert(BatchTeacher), [{"batch_id": b, "person_id": t} for b, t in zip(bids, teachers, strict=True)])
        sids = list(uow.session.execute(insert(ScheduleSlot).returning(ScheduleSlot.id), [
            {"batch_id": b, "weekday": 0, "start_time": time(9, 0), "duration_minutes": 60, "active": True}
            for b in bids]).scalars())
        rows = []
        for b, s in zip(bids, sids, strict=True):
            for d in range(days):
                on = today + timedelta(days=d - days + 10)
                starts = datetime.combine(on, time(9, 0), UTC)
                if on < today - timedelta(days=2):
                    status = SessionStatus.CLOSED if rnd.random() < 0.9 else SessionStatus.MISSED
                elif starts + timedelta(hours=1) < NOW:
                    status = rnd.choice([SessionStatus.SUBMITTED] * 3 + [SessionStatus.OPEN, SessionStatus.SCHEDULED])
                else:
                    status = SessionStatus.SCHEDULED
                rows.append({"batch_id": b, "slot_id": s, "on_date": on, "starts_at": starts,
                             "ends_at": starts + timedelta(hours=1), "status": status})
        uow.session.execute(insert(ClassSession), rows)
        uow.commit()


def _copies(path: Path, count: int) -> list[Path]:
    out = []
    for i in range(count):
        copy = path.with_name(f"{path.stem}-copy{i}.db")
        shutil.copyfile(path, copy)
        out.append(copy)
    return out


def _explain(db: Database, name: str, needle: str, run) -> float:
    """Run `run(db)` once, timed; record the query plan of the statement containing `needle`."""
    seen: list[tuple[str, object]] = []

    def listen(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if needle in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        seconds = timed(lambda: run(db))
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    if seen:
        statement, parameters = seen[0]
        with db.engine.connect() as conn:
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()  # type: ignore[arg-type]
        PLANS[name] = [" ".join(statement.split())] + [f"{r[0]}|{r[1]}|{r[3]}" for r in plan]
    return seconds


def _count(db: Database, table: str) -> float:
    with db.engine.connect() as conn:
        conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()  # warm
        return statistics.median(timed(lambda: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar())
                                 for _ in range(5))


def _timed_on_copies(src: Database, name: str, needle: str, run, repeats: int) -> tuple[float, float]:
    """(median seconds of the first tick on a fresh copy, median seconds of the tick after it)."""
    src.engine.dispose()
    path = Path(src.engine.url.database or "")
    with contextlib.closing(sqlite3.connect(path)) as raw:  # fold the WAL into the file before copying
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    first, second = [], []
    for copy in _copies(path, repeats):
        db = Database.from_engine(make_engine(f"sqlite:///{copy}"), FixedClock(NOW))
        with db.engine.connect() as conn:  # open the file and warm the page cache like a running process
            conn.execute(text("SELECT 1")).scalar()
        first.append(_explain(db, name, needle, run))
        second.append(timed(lambda db=db: run(db)))
        db.engine.dispose()
    return statistics.median(first), statistics.median(second)


def rows(workdir: Path, n_tasks: int = 100_000, n_sessions: int = 10_000, due_share: float = 0.03,
         repeats: int = 3) -> list[Row]:
    out = []
    progress(f"scan: inserting {n_tasks:,} tasks ({due_share:.0%} of the open ones due)")
    db = sqlite_db(workdir, f"scan{n_tasks}")
    db = Database.from_engine(db.engine, FixedClock(NOW))
    due = populate_tasks(db, n_tasks, due_share)
    stats: dict[str, int] = {}

    def tick(d: Database) -> None:
        r = reminders.scan(d.uow(), "Europe/London")
        stats.setdefault("reminded", r.reminded)
        stats.setdefault("held", r.held)
        stats.setdefault("escalated", r.escalated)

    progress(f"scan: reminders.scan, {repeats} fresh copies")
    busy, idle = _timed_on_copies(db, "reminders.scan", "next_reminder_at <=", tick, repeats)
    base = _count(db, "tasks")
    out.append(Row("reminder scan tick", f"{n_tasks:,} tasks, {due:,} due", busy * 1000, "ms", base * 1000,
                   "SELECT count(*) FROM tasks",
                   f"reminded {stats['reminded']}, held (quiet hours) {stats['held']}, "
                   f"escalated {stats['escalated']}; one transaction"))
    out.append(Row("reminder scan tick, nothing due", f"{n_tasks:,} tasks", idle * 1000, "ms", base * 1000,
                   "SELECT count(*) FROM tasks", "the next tick: what every minute costs"))
    db.engine.dispose()

    progress(f"scan: inserting {n_sessions:,} class sessions")
    db = sqlite_db(workdir, f"sessions{n_sessions}")
    db = Database.from_engine(db.engine, FixedClock(NOW))
    populate_sessions(db, n_sessions)
    result: dict[str, int] = {}

    def close(d: Database) -> None:
        r = pipeline.auto_close(d.uow())
        for k, v in r.items():
            result.setdefault(k, v)

    progress(f"scan: pipeline.auto_close, {repeats} fresh copies")
    busy, idle = _timed_on_copies(db, "attendance.auto_close", "FROM class_sessions", close, repeats)
    base = _count(db, "class_sessions")
    out.append(Row("auto_close tick", f"{n_sessions:,} sessions", busy * 1000, "ms", base * 1000,
                   "SELECT count(*) FROM class_sessions",
                   f"closed {result.get('closed', 0)}, missed {result.get('missed', 0)} (inbox item + audit each)"))
    out.append(Row("auto_close tick, nothing due", f"{n_sessions:,} sessions", idle * 1000, "ms", base * 1000,
                   "SELECT count(*) FROM class_sessions", "the next tick"))
    db.engine.dispose()
    return out


def plans_markdown() -> str:
    parts = []
    for name, lines in PLANS.items():
        parts.append(f"`{name}` main query:\n\n```sql\n{lines[0]}\n```\n\n```\n" + "\n".join(lines[1:]) + "\n```\n")
    return "\n".join(parts)


_ = date  # dates come from NOW
