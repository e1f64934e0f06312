"""healthcheck.py: each failure mode provoked, its line and the exit code read."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from adapters import backup_files, migrations
from adapters.settings import Settings
from domain.database import make_engine
from domain.ops import backups, leader
from domain.outbox import Intent, enqueue
from domain.uow import Database
from healthcheck import run_checks
from scheduler.jobs import JOBS
from tests.auxil.paths import ROOT
from tests.auxil.telegram import running_sandbox

KEY = "k" * 32
TOKEN = "123456:HEALTH"


@pytest.fixture(scope="module")
def sandbox():
    yield from running_sandbox(TOKEN)


@pytest.fixture
def healthy(tmp_path, sqlite_template, clock, sandbox):
    """A deployment where everything is fine: leader heartbeat fresh, backup taken, outbox empty."""
    from tests.auxil.databases import sqlite_copy

    url = sqlite_copy(sqlite_template, tmp_path / "h.db")
    db = Database.from_engine(make_engine(url), clock)
    leader.acquire(db.uow(), "main", "test-host", {"jobs": sorted(JOBS), "runs": {}})
    backups.backup(db, backup_files.for_engine(db.engine), tmp_path / "backups")
    settings = Settings(database_url=url, secret_keys=(KEY,), telegram_bot_token=TOKEN,
                        telegram_api_base=sandbox.url)
    yield db, settings
    db.engine.dispose()


def lines(checks) -> dict[str, str]:
    return {c.name: c.line() for c in checks}


def test_all_pass(healthy, clock):
    _db, settings = healthy
    checks = run_checks(settings, clock)
    assert all(c.ok for c in checks), [c.line() for c in checks]
    assert lines(checks)["Telegram reachable"].startswith("✓ PASS Telegram reachable (@taskbell_bot")


def test_stale_scheduler_dead_letters_old_backup_and_unreachable_telegram(healthy, clock):
    db, settings = healthy
    clock.advance(minutes=5)
    from domain.actors import Actor
    from domain.people import services as people

    person = people.add_person(db.uow(), Actor.system(), name="P", phone="+447700900555", role="member").person
    with db.uow() as uow:
        enqueue(uow.session, [Intent("task_assigned", person.id, "x:1")], uow.now - timedelta(minutes=30))
        uow.commit()
    bad = Settings(database_url=settings.database_url, secret_keys=(KEY,), telegram_bot_token=TOKEN,
                   telegram_api_base="http://127.0.0.1:9")
    got = lines(run_checks(bad, clock))
    assert got["scheduler alive"].startswith("✗ FAIL scheduler alive: last heartbeat 5m00s ago from test-host")
    assert "-> start it: taskbell scheduler" in got["scheduler alive"]
    assert got["outbox healthy"].startswith("✗ FAIL outbox healthy: oldest unsent notification is 30m00s old")
    assert got["outbox healthy"].endswith("Delivery page, http://127.0.0.1:8000/admin/delivery")
    assert got["Telegram reachable"].startswith("✗ FAIL Telegram reachable:")
    clock.advance(hours=40)
    assert "the last backup is 40h" in lines(run_checks(settings, clock))["last backup"]


def test_migrations_behind_and_missing_jobs(healthy, clock):
    db, settings = healthy
    leader.acquire(db.uow(), "main", "test-host", {"jobs": ["reminders.scan"], "runs": {
        "backup.daily": {"ok": False, "result": "disk full"}}})
    got = lines(run_checks(settings, clock))
    assert "jobs not registered: backup.daily" in got["scheduler alive"]
    migrations.downgrade(db.engine, "0003")
    got = lines(run_checks(settings, clock))
    assert got["migrations at head"].startswith(f"✗ FAIL migrations at head: database at 0003, code expects "
                                                f"{migrations.head_revision()} -> run: taskbell migrate")


def test_bad_settings_and_unreachable_database_exit_1_with_json(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "SECRET_KEYS": "short"}
    proc = subprocess.run([sys.executable, str(ROOT / "healthcheck.py")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stdout.startswith("✗ FAIL required settings present and valid: SECRET_KEYS")
    env = {"PATH": "/usr/bin:/bin", "SECRET_KEYS": KEY,
           "DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none"}
    proc = subprocess.run([sys.executable, str(ROOT / "healthcheck.py"), "--json"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    failed = {c["name"] for c in report["checks"] if not c["ok"]}
    assert not report["ok"] and "database reachable and writable" in failed


def test_it_only_looks(healthy, clock):
    db, settings = healthy
    before = db.engine.url.database and Path(db.engine.url.database).stat().st_mtime_ns
    run_checks(settings, clock)
    with db.uow(readonly=True) as uow:
        from sqlalchemy import text
        assert uow.session.execute(text("SELECT count(*) FROM sqlite_master WHERE name='hc_probe'")).scalar() == 0
    assert before


def test_the_attachments_folder_is_checked_by_writing_to_it(healthy, clock, tmp_path):
    _db, settings = healthy
    missing = settings.model_copy(update={"attachments_dir": str(tmp_path / "not-yet")})
    assert lines(run_checks(missing, clock))["attachments folder writable"] == (
        f"✓ PASS attachments folder writable ({tmp_path / 'not-yet'} can be made in {tmp_path})")
    (tmp_path / "files").mkdir()
    there = settings.model_copy(update={"attachments_dir": str(tmp_path / "files")})
    assert lines(run_checks(there, clock))["attachments folder writable"].startswith("✓ PASS")
    assert list((tmp_path / "files").iterdir()) == []  # the probe file is gone
    assert not (tmp_path / "not-yet").exists() and not list(tmp_path.glob(".hc-probe-*"))
    (tmp_path / "a-file").write_text("not a folder")
    not_a_folder = settings.model_copy(update={"attachments_dir": str(tmp_path / "a-file")})
    assert lines(run_checks(not_a_folder, clock))["attachments folder writable"].startswith("✗ FAIL")
