"""Row 11: the nightly student risk recompute over N students (50 per batch, 20 classes of history each:
N x 20 attendance records), on SQLite and PostgreSQL; baseline: gathering the facts alone (the one
windowed attendance query), so the ratio is what scoring and writing cost on top."""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select, text

from bench.common import Row, pg_db, progress, sqlite_db
from domain.actors import Actor
from domain.clock import FixedClock
from domain.models import (
    AttendanceRecord,
    Batch,
    BatchTeacher,
    Channel,
    ClassSession,
    Enrolment,
    Mark,
    Person,
    PersonStatus,
    Role,
    ScheduleSlot,
    SessionStatus,
)
from domain.risk import engine, facts
from domain.uow import Database

NOW = datetime(2026, 12, 7, 3, 15, tzinfo=UTC)
PER_BATCH, CLASSES = 50, 20


def populate(db: Database, n: int) -> None:
    """N students in N/50 batches, one teacher each, 20 past classes per batch, every student marked."""
    rnd = random.Random(11)
    nb = max(1, n // PER_BATCH)
    with db.uow() as uow:
        s, now = uow.session, uow.now
        teachers = list(s.execute(insert(Person).returning(Person.id), [
            {"name": f"Teacher {i}", "phone": f"+4473{i:08d}", "role": Role.TEACHER, "status": PersonStatus.ACTIVE,
             "created_at": now, "updated_at": now} for i in range(nb)]).scalars())
        students = list(s.execute(insert(Person).returning(Person.id), [
            {"name": f"Student {i}", "phone": f"+4472{i:08d}", "role": Role.STUDENT, "status": PersonStatus.ACTIVE,
             "created_at": now, "updated_at": now} for i in range(n)]).scalars())
        batches = list(s.execute(insert(Batch).returning(Batch.id), [
            {"name": f"Batch {i}", "subject": "", "level": "", "active": True, "created_at": now}
            for i in range(nb)]).scalars())
        s.execute(insert(BatchTeacher), [{"batch_id": b, "person_id": t} for b, t in zip(batches, teachers, strict=True)])
        slots = list(s.execute(insert(ScheduleSlot).returning(ScheduleSlot.id), [
            {"batch_id": b, "weekday": 0, "start_time": datetime(2026, 1, 1, 9).time(), "duration_minutes": 60,
             "active": True} for b in batches]).scalars())
        s.execute(insert(Enrolment), [{"batch_id": batches[i % nb], "student_id": sid, "enrolled_on": date(2026, 1, 1)}
                                      for i, sid in enumerate(students)])
        sessions: dict[int, list[int]] = {}
        for b, slot in zip(batches, slots, strict=True):
            rows = [{"batch_id": b, "slot_id": slot, "on_date": (NOW - timedelta(days=c + 1)).date(),
                     "starts_at": NOW - timedelta(days=c + 1), "ends_at": NOW - timedelta(days=c + 1, hours=-1),
                     "status": SessionStatus.CLOSED} for c in range(CLASSES)]
            sessions[b] = list(s.execute(insert(ClassSession).returning(ClassSession.id), rows).scalars())
        # A few drift away (high), some wobble (medium), most come (low).
        records = []
        for i, sid in enumerate(students):
            p_absent = 0.6 if i % 20 == 0 else 0.35 if i % 7 == 0 else 0.05
            for cs in sessions[batches[i % nb]]:
                records.append({"session_id": cs, "student_id": sid, "marked_at": now, "channel": Channel.WEB,
                                "mark": Mark.ABSENT if rnd.random() < p_absent else Mark.PRESENT})
        for k in range(0, len(records), 20_000):
            s.execute(insert(AttendanceRecord), records[k:k + 20_000])
        uow.commit()


def measure(db: Database, label: str, n: int) -> list[Row]:
    with db.uow(readonly=True) as uow:
        ids = list(uow.session.scalars(select(Person.id).where(Person.role == Role.STUDENT)))
    start = time.perf_counter()
    with db.uow(readonly=True) as uow:
        facts.gather(uow.session, ids, uow.now)
    gather = time.perf_counter() - start
    start = time.perf_counter()
    first = engine.recompute(db.uow(), Actor.system())
    first_s = time.perf_counter() - start
    start = time.perf_counter()
    again = engine.recompute(db.uow(), Actor.system())
    again_s = time.perf_counter() - start
    levels = ", ".join(f"{v} {k}" for k, v in sorted(first.levels.items()))
    size = f"{n:,} students, {n * CLASSES:,} records"
    return [
        Row(f"risk recompute, first ({label})", size, first_s, "s", gather, "facts.gather alone",
            f"every profile and event written; {levels}; {first.into_high} into high (inbox items + messages)"),
        Row(f"risk recompute, nightly ({label})", size, again_s, "s", gather, "facts.gather alone",
            f"{again.changed} level changes: unchanged profiles get only their computed time (one UPDATE a chunk)"),
    ]


def rows(workdir, n: int) -> list[Row]:  # type: ignore[no-untyped-def]
    """The row on SQLite, and on PostgreSQL when it answers."""
    out = []
    progress(f"risk: {n:,} students on SQLite")
    db = Database.from_engine(sqlite_db(workdir, "risk").engine, FixedClock(NOW))
    populate(db, n)
    out += measure(db, "SQLite", n)
    db.engine.dispose()
    pg = pg_db("bench_risk")
    if pg is not None:
        progress(f"risk: {n:,} students on PostgreSQL")
        pg = Database.from_engine(pg.engine, FixedClock(NOW))
        populate(pg, n)
        with pg.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
        out += measure(pg, "PostgreSQL", n)
        pg.engine.dispose()
    return out
