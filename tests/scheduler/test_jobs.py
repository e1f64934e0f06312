"""The scheduler's jobs with an injected clock: reminders, quiet hours, snooze, escalation, briefs, leader."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from adapters import backup_files
from domain.actors import Actor
from domain.attendance import batches, schedule
from domain.database import make_engine
from domain.models import ClassSession, Notification, Person, Priority, Role, SessionStatus, Task
from domain.ops import backups, leader
from domain.people import services as people
from domain.reminders import briefs
from domain.reminders import services as reminders
from domain.tasks import services as tasks
from domain.uow import Database
from scheduler.app import Scheduler
from scheduler.jobs import JOBS, JobContext

TZ = "Europe/London"


def kinds(db, kind: str) -> list[Notification]:
    with db.uow(readonly=True) as uow:
        return list(uow.session.scalars(select(Notification).where(Notification.kind == kind)
                                        .order_by(Notification.id)))


def one_task(db, make_person, clock, *, due_in: timedelta, priority=Priority.NORMAL, who=None, admin=None):
    admin = admin or make_person(Role.ADMIN)
    who = who or make_person(Role.STUDENT)
    tasks.assign(db.uow(), Actor.telegram(admin.id), tasks.AssignmentSpec(
        title="Essay", person_ids=[who.id], due_at=clock.now() + due_in, priority=priority))
    with db.uow(readonly=True) as uow:
        return uow.session.scalars(select(Task).order_by(Task.id.desc())).first(), admin, who


def test_reminders_lead_due_overdue_cadence(db, make_person, clock):
    clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))  # 09:00 London
    one_task(db, make_person, clock, due_in=timedelta(hours=3))
    assert reminders.scan(db.uow(), TZ).reminded == 0
    clock.set(datetime(2026, 11, 2, 11, 0, tzinfo=UTC))  # one hour before: the lead reminder
    assert reminders.scan(db.uow(), TZ).reminded == 1
    assert reminders.scan(db.uow(), TZ).reminded == 0  # nothing twice
    clock.set(datetime(2026, 11, 2, 12, 0, tzinfo=UTC))  # due
    assert reminders.scan(db.uow(), TZ).reminded == 1
    clock.set(datetime(2026, 11, 2, 14, 0, tzinfo=UTC))  # two hours overdue: not yet (every 3 h)
    assert reminders.scan(db.uow(), TZ).reminded == 0
    clock.set(datetime(2026, 11, 2, 15, 0, tzinfo=UTC))
    assert reminders.scan(db.uow(), TZ).reminded == 1
    slots = [n.data["slot"] for n in kinds(db, "task_reminder")]
    assert slots == ["lead", "due", "o1"]


def test_quiet_hours_hold_until_morning_except_urgent(db, make_person, clock):
    clock.set(datetime(2026, 11, 2, 20, 0, tzinfo=UTC))
    normal, admin, who = one_task(db, make_person, clock, due_in=timedelta(hours=2))
    urgent, _, _ = one_task(db, make_person, clock, due_in=timedelta(hours=2), priority=Priority.URGENT,
                            who=who, admin=admin)
    clock.set(datetime(2026, 11, 2, 22, 0, tzinfo=UTC))  # 22:00 London: quiet
    r = reminders.scan(db.uow(), TZ)
    assert (r.reminded, r.held) == (1, 1) and r.task_ids == [urgent.id]
    clock.set(datetime(2026, 11, 3, 6, 59, tzinfo=UTC))
    assert normal.id not in reminders.scan(db.uow(), TZ).task_ids
    clock.set(datetime(2026, 11, 3, 7, 0, tzinfo=UTC))
    assert normal.id in reminders.scan(db.uow(), TZ).task_ids


def test_snooze_and_escalation_once(db, make_person, clock):
    clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    task, admin, who = one_task(db, make_person, clock, due_in=timedelta(hours=1))
    clock.set(datetime(2026, 11, 2, 10, 0, tzinfo=UTC))
    assert reminders.scan(db.uow(), TZ).reminded == 1
    reminders.snooze(db.uow(), Actor.telegram(who.id), task.id, "1h", TZ)
    clock.set(datetime(2026, 11, 2, 10, 30, tzinfo=UTC))
    assert reminders.scan(db.uow(), TZ).reminded == 0
    with pytest.raises(Exception, match="Only the person"):
        reminders.snooze(db.uow(), Actor.telegram(admin.id), task.id, "1h", TZ)
    clock.set(datetime(2026, 11, 3, 11, 0, tzinfo=UTC))  # 25 h overdue: escalate to the assigner
    assert reminders.scan(db.uow(), TZ).escalated == 1
    clock.set(datetime(2026, 11, 3, 14, 0, tzinfo=UTC))
    assert reminders.scan(db.uow(), TZ).escalated == 0
    assert [n.recipient_id for n in kinds(db, "task_escalated")] == [admin.id]


def test_many_escalations_make_one_digest(db, make_person, clock):
    clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    admin = make_person(Role.ADMIN)
    for _ in range(6):
        one_task(db, make_person, clock, due_in=timedelta(hours=1), admin=admin)
    clock.set(datetime(2026, 11, 3, 12, 0, tzinfo=UTC))
    r = reminders.scan(db.uow(), TZ)
    assert (r.escalated, r.digests) == (6, 1)
    assert len(kinds(db, "overdue_digest")) == 1 and kinds(db, "task_escalated") == []


def test_briefs_per_role_none_when_empty_none_twice(db, make_person, clock):
    clock.set(datetime(2026, 11, 2, 6, 0, tzinfo=UTC))
    teacher = make_person(Role.TEACHER)
    idle = make_person(Role.MEMBER)
    student = make_person(Role.STUDENT)
    batch = batches.create_batch(db.uow(), Actor.system(), name="Maths 7", teacher_ids=[teacher.id])
    batches.add_slot(db.uow(), Actor.system(), batch.id, weekday=0, start="16:00", duration_minutes=60)
    batches.enrol(db.uow(), Actor.system(), batch.id, student.id, date(2026, 10, 1))
    schedule.ensure_sessions(db.uow(), date(2026, 11, 2), date(2026, 11, 2), TZ)
    admin = make_person(Role.ADMIN)
    tasks.assign(db.uow(), Actor.telegram(admin.id), tasks.AssignmentSpec(
        title="Homework 4", person_ids=[student.id], due_at=clock.now() + timedelta(hours=5)))
    assert briefs.send_due(db.uow, TZ) == 0  # 06:00 London: before 07:30
    clock.set(datetime(2026, 11, 2, 7, 31, tzinfo=UTC))
    assert briefs.send_due(db.uow, TZ) >= 2
    assert briefs.send_due(db.uow, TZ) == 0
    sent = {n.recipient_id: n.data for n in kinds(db, "brief")}
    assert idle.id not in sent
    assert {"title": "Today's classes", "items": ["Maths 7 at 16:00"]} in sent[teacher.id]["sections"]
    student_titles = {s["title"] for s in sent[student.id]["sections"]}
    assert student_titles == {"Your tasks", "Today's classes"}


async def test_two_schedulers_one_leader_each_job_once(db, clock, tmp_path):
    a = Scheduler(JobContext(db, TZ, tmp_path), holder="a")
    other = Database.from_engine(make_engine(db.engine.url.render_as_string(hide_password=False)), db.clock)
    b = Scheduler(JobContext(other, TZ, tmp_path), holder="b")
    assert [await a.renew(), await b.renew()] == [True, False]
    ran = [await s.run_job("reminders.scan") for s in (a, b)]
    assert ran[0] is not None and ran[1] is None
    clock.advance(seconds=31)  # a stops renewing: b takes over when the lease lapses
    assert await b.renew() is True
    assert await a.renew() is False
    a.aps.start(paused=True)  # job defaults are applied when the scheduler starts
    for job_id in JOBS:
        job = a.aps.get_job(job_id)
        assert job is not None and job.coalesce and job.max_instances == 1 and job.misfire_grace_time == 120
    a.aps.shutdown(wait=False)
    other.engine.dispose()


async def test_a_leader_paused_past_its_lease_runs_no_job_after_a_takeover(db, make_person, clock, tmp_path):
    one_task(db, make_person, clock, due_in=timedelta(hours=1, minutes=30))
    a = Scheduler(JobContext(db, TZ, tmp_path), holder="a")
    b = Scheduler(JobContext(db, TZ, tmp_path), holder="b")
    assert await a.renew() and a.epoch == 1
    assert await a.run_job("reminders.scan") is not None
    runs_before = dict(a.runs)
    clock.advance(seconds=45)  # SIGSTOP for 45 s: a neither renews nor runs, and still believes it leads
    assert await b.renew() and b.epoch == 2
    assert a.is_leader
    # SIGCONT: a's timers fire the jobs it missed before its next renewal; the lease epoch stops each one.
    missed = [job_id for job_id in JOBS if job_id != "backup.daily"]
    assert [await a.run_job(job_id) for job_id in missed] == [None] * len(missed)
    assert a.fenced == 1 and not a.is_leader  # the first refusal ends its lead; the rest never start
    assert a.runs == runs_before  # no job ran, not even in part
    assert await b.run_job("reminders.scan") is not None


async def test_a_job_whose_lease_is_taken_mid_run_commits_nothing_more(db, make_person, clock, tmp_path,
                                                                       monkeypatch):
    a = Scheduler(JobContext(db, TZ, tmp_path), holder="a")
    b = Scheduler(JobContext(db, TZ, tmp_path), holder="b")

    def slow_job(ctx: JobContext) -> str:
        people.add_person(ctx.db.uow(), Actor.system(), name="Before", phone="+447700900101", role="member")
        clock.advance(seconds=31)  # the job stalls past the lease and b takes over meanwhile
        assert leader.take(db.uow(), "main", "b") == 2
        people.add_person(ctx.db.uow(), Actor.system(), name="After", phone="+447700900102", role="member")
        return "done"

    monkeypatch.setitem(JOBS, "test.slow", (slow_job, "interval", {"hours": 1}))
    assert await a.renew()
    assert await a.run_job("test.slow") is None and a.fenced == 1
    with db.uow(readonly=True) as uow:
        assert "After" not in set(uow.session.scalars(select(Person.name)))
        assert "Before" in set(uow.session.scalars(select(Person.name)))
    assert await b.renew() and b.epoch == 2


async def test_a_restart_after_a_missed_close_closes_at_start(db, make_person, clock, tmp_path):
    teacher = make_person(Role.TEACHER)
    batch = batches.create_batch(db.uow(), Actor.system(), name="Art", teacher_ids=[teacher.id])
    batches.add_slot(db.uow(), Actor.system(), batch.id, weekday=0, start="10:00", duration_minutes=60)
    schedule.ensure_sessions(db.uow(), date(2026, 11, 2), date(2026, 11, 2), TZ)
    clock.set(datetime(2026, 11, 2, 9, 50, tzinfo=UTC))
    schedule.open_due(db.uow())
    clock.set(datetime(2026, 11, 2, 18, 0, tzinfo=UTC))  # the scheduler was down all afternoon
    s = Scheduler(JobContext(db, TZ, tmp_path), holder="restarted")
    await s.renew()
    with db.uow(readonly=True) as uow:
        status = uow.session.scalar(select(ClassSession.status).where(ClassSession.on_date == date(2026, 11, 2)))
    assert status == SessionStatus.MISSED, s.runs
    assert s.runs["sessions.close"]["ok"]


def test_backup_during_writes_passes_the_check_and_restores(tmp_path, sqlite_template, clock):
    from tests.auxil.databases import sqlite_copy

    url = sqlite_copy(sqlite_template, tmp_path / "live.db")
    db = Database.from_engine(make_engine(url), clock)
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE scratch (n INTEGER)"))
    stop = threading.Event()

    def writer() -> None:
        n = 0
        while not stop.is_set() and n < 5000:
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO scratch VALUES (:n)"), {"n": n})
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    seen = []
    store = backup_files.for_engine(db.engine)
    try:
        result = backups.backup(db, store, tmp_path / "backups", progress=lambda done, total: seen.append((done, total)))
    finally:
        stop.set()
        thread.join()
    assert backup_files.integrity_ok(result.path) == (True, "ok")
    assert sorted(p.name for p in result.path.parent.iterdir()) == [result.path.name]  # nothing left beside it
    assert seen and seen[-1][0] == seen[-1][1]
    assert backups.last_backup(db).status == "ok"
    import sqlite3
    with sqlite3.connect(result.path) as copy:
        rows_in_copy = copy.execute("SELECT count(*) FROM scratch").fetchone()[0]
    backups.restore(db, store, result.path)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM scratch")).scalar() == rows_in_copy
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database at all" * 100)
    with pytest.raises(Exception, match="integrity"):
        backups.restore(db, store, bad)
    blocked = tmp_path / "a-file"
    blocked.write_text("x")
    with pytest.raises(OSError):
        backups.backup(db, store, blocked / "backups")  # cannot make the directory: the log row still closes
    assert backups.last_backup(db).status == "failed"
    db.engine.dispose()


def test_an_assignment_can_set_its_own_reminder_cadence(db, make_person, clock):
    clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    admin, who = make_person(Role.ADMIN), make_person(Role.STUDENT)
    with pytest.raises(Exception, match="repeat every"):
        tasks.assign(db.uow(), Actor.telegram(admin.id), tasks.AssignmentSpec(
            title="Bad", person_ids=[who.id], reminder_every_hours=0))
    tasks.assign(db.uow(), Actor.telegram(admin.id), tasks.AssignmentSpec(
        title="Rota", person_ids=[who.id], due_at=clock.now() + timedelta(hours=4),
        reminder_lead_minutes=15, reminder_every_hours=1))
    clock.set(datetime(2026, 11, 2, 12, 30, tzinfo=UTC))  # 30 min before: no lead reminder yet (15 min)
    assert reminders.scan(db.uow(), TZ).reminded == 0
    clock.set(datetime(2026, 11, 2, 12, 45, tzinfo=UTC))
    assert reminders.scan(db.uow(), TZ).reminded == 1
    clock.set(datetime(2026, 11, 2, 13, 0, tzinfo=UTC))
    assert reminders.scan(db.uow(), TZ).reminded == 1  # due
    clock.set(datetime(2026, 11, 2, 14, 0, tzinfo=UTC))
    assert reminders.scan(db.uow(), TZ).reminded == 1  # an hour overdue: its own cadence, not 3 h
    assert [n.data["slot"] for n in kinds(db, "task_reminder")] == ["lead", "due", "o1"]
