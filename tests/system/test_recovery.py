"""Crash recovery as processes: kill -9 of `taskbell bot` mid-delivery, then a restart; and two
`taskbell`-built schedulers, the leader paused (SIGSTOP) past its lease while the other takes over.

The timings are printed (run with -s to read them); the assertions are what holds whatever the load."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from domain.actors import Actor
from domain.database import make_engine
from domain.models import DeliveryWorker, Notification, Role
from domain.tasks import services as tasks
from domain.uow import Database
from tests.auxil.databases import without_quiet_hours
from tests.factories import sandbox_person
from tgsandbox.client import SandboxClient
from tgsandbox.server import SandboxServer

pytestmark = pytest.mark.slow
TOKEN = "123456:RECOVERY-TEST"
CLI = [sys.executable, "-m", "taskbell.cli"]
ROOT = Path(__file__).resolve().parents[2]
LEASE_LIMIT = 300  # seconds: the claim lease; a recovery that waited for it would take this long


def env_for(database_url: str, api_base: str) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": database_url,
            "SECRET_KEYS": "s" * 32, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": api_base,
            "TIMEZONE": "Europe/London", "PYTHONPATH": str(ROOT)}


def counts(db: Database) -> dict[str, int]:
    with db.uow(readonly=True) as uow:
        return {s.value: n for s, n in uow.session.execute(
            select(Notification.status, func.count()).group_by(Notification.status))}


def wait_until(condition, timeout: float, step: float = 0.05) -> float:
    """Poll until `condition()` is true; the monotonic time it became so."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return time.monotonic()
        time.sleep(step)
    raise TimeoutError("condition not met in time")


@pytest.mark.asyncio(loop_scope="module")
async def test_kill_9_mid_delivery_then_restart_resends_within_seconds(empty_url, tmp_path):
    sandbox = SandboxServer(token=TOKEN, limit_tolerance_ms=50)
    sandbox.start()
    env = env_for(empty_url, sandbox.url)
    assert subprocess.run([*CLI, "migrate"], cwd=tmp_path, env=env, capture_output=True, timeout=120).returncode == 0
    db = without_quiet_hours(Database.from_engine(make_engine(empty_url)))  # any time of day
    client = SandboxClient(sandbox.url)
    log = open(tmp_path / "bot.log", "w")  # noqa: SIM115 - closed in the finally below
    procs: list[subprocess.Popen] = []
    try:
        made = [await sandbox_person(db, client, first_name=f"P{i}", name=f"Person {i}", phone=f"+44770095{i:04d}",
                                     role=Role.ADMIN if i == 0 else Role.STUDENT) for i in range(41)]
        admin, students = made[0], made[1:]
        titles = [f"Task {n}" for n in range(3)]  # three per chat: at least two seconds of pacing per chat
        for title in titles:
            tasks.assign(db.uow(), Actor.telegram(admin.id), tasks.AssignmentSpec(
                title=title, person_ids=[s.id for s in students], due_at=db.clock.now() + timedelta(days=2)))
        total = sum(counts(db).values())
        assert total == 3 * len(students)

        procs.append(subprocess.Popen([*CLI, "bot"], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT))
        wait_until(lambda: counts(db).get("sent", 0) >= 15, timeout=60)
        procs[0].send_signal(signal.SIGKILL)
        procs[0].wait(timeout=10)
        killed_at = time.monotonic()
        left = counts(db)
        assert left.get("sending", 0) > 0, left  # the killed process held claims: the case under test
        assert left.get("sent", 0) < total

        procs.append(subprocess.Popen([*CLI, "bot"], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT))
        restarted_at = time.monotonic()
        done_at = wait_until(lambda: counts(db) == {"sent": total}, timeout=LEASE_LIMIT - 60, step=0.1)
        with db.uow(readonly=True) as uow:
            workers = uow.session.execute(select(DeliveryWorker.pid, DeliveryWorker.stopped_at)).all()
        # The restarted worker found its predecessor dead at once (it did not wait for the heartbeat to lapse).
        assert sorted((pid, stopped is None) for pid, stopped in workers) == sorted(
            [(procs[0].pid, False), (procs[1].pid, True)])
        duplicates = 0
        for s in students:
            got = [m["text"].splitlines()[0] for m in await client.bot_messages(s.telegram_chat_id)]
            assert set(got) == set(titles), got  # none lost (at-least-once)
            duplicates += len(got) - len(titles)
        print(f"\n[recovery {db.dialect}] {total} notifications, {left.get('sent', 0)} sent and "
              f"{left.get('sending', 0)} held when killed; last one left {done_at - killed_at:.1f} s after "
              f"kill -9 ({done_at - restarted_at:.1f} s after the restart); {duplicates} duplicates")
        assert done_at - restarted_at < LEASE_LIMIT - 60
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
        log.close()
        await client.aclose()
        sandbox.stop()
        if "db" in locals():
            db.engine.dispose()


SCHEDULER = textwrap.dedent("""
    import asyncio, signal, sys
    from datetime import timedelta
    from pathlib import Path
    from sqlalchemy import text
    from domain.database import make_engine
    from domain.uow import Database
    from scheduler import app, jobs
    from scheduler.app import Scheduler

    def tick(ctx):
        uow = ctx.db.uow()
        with uow:
            uow.session.execute(text("INSERT INTO ticks (holder) VALUES (:h)"), {"h": sys.argv[2]})
            uow.commit()
        return "tick"

    jobs.JOBS.clear()
    jobs.JOBS["probe.tick"] = (tick, "interval", {"seconds": 0.5})
    app.AT_START = ()

    async def main():
        db = Database.from_engine(make_engine(sys.argv[1]))
        s = Scheduler(jobs.JobContext(db, "UTC", Path(".")), holder=sys.argv[2],
                      lease=timedelta(seconds=2), renew_seconds=0.5)
        await s.start()
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        await s.stop()

    asyncio.run(main())
""")


def test_a_paused_leader_runs_no_job_once_another_has_taken_over(empty_url, tmp_path):
    env = env_for(empty_url, "http://127.0.0.1:9")
    assert subprocess.run([*CLI, "migrate"], cwd=tmp_path, env=env, capture_output=True, timeout=120).returncode == 0
    db = Database.from_engine(make_engine(empty_url))
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE ticks (id INTEGER PRIMARY KEY"
                          + (" AUTOINCREMENT" if db.dialect == "sqlite" else " GENERATED ALWAYS AS IDENTITY")
                          + ", holder VARCHAR(20) NOT NULL)"))

    def ticks(holder: str) -> int:
        with db.engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM ticks WHERE holder = :h"), {"h": holder}).scalar_one()

    script = tmp_path / "sched.py"
    script.write_text(SCHEDULER)
    log = open(tmp_path / "schedulers.log", "w")  # noqa: SIM115 - closed in the finally below
    procs: dict[str, subprocess.Popen] = {}
    try:
        procs["a"] = subprocess.Popen([sys.executable, str(script), empty_url, "a"], cwd=tmp_path, env=env,
                                      stdout=log, stderr=subprocess.STDOUT)
        wait_until(lambda: ticks("a") >= 2, timeout=60)
        procs["b"] = subprocess.Popen([sys.executable, str(script), empty_url, "b"], cwd=tmp_path, env=env,
                                      stdout=log, stderr=subprocess.STDOUT)
        time.sleep(2)  # b is up and standing by
        assert ticks("b") == 0
        procs["a"].send_signal(signal.SIGSTOP)  # the leader pauses past its 2 s lease
        wait_until(lambda: ticks("b") >= 3, timeout=60)  # b took over and runs the jobs
        before = ticks("a")
        procs["a"].send_signal(signal.SIGCONT)
        time.sleep(3)  # a wakes up: its timers fire, its renewal fails
        after_resume = ticks("a") - before
        b_now = ticks("b")
        time.sleep(1.5)
        print(f"\n[fencing {db.dialect}] jobs run by the paused old leader after the takeover: {after_resume}")
        assert after_resume == 0
        assert ticks("b") > b_now  # b still leads
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGCONT)
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
        log.close()
        db.engine.dispose()
