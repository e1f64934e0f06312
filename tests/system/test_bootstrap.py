"""bootstrap.py: idempotent, says what it did, guards demo data."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from domain.database import make_engine
from domain.models import (
    AttendanceRecord,
    Batch,
    ClassSession,
    Mark,
    PendingAction,
    Person,
    PersonStatus,
    Role,
    SessionStatus,
    Task,
    TaskStatus,
)
from domain.uow import Database
from tests.auxil.paths import ROOT
from tests.system.conftest import midday_zone

KEY = "k" * 32


def run_bootstrap(url: str, *args: str, phone: str = "+447700900001") -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": url, "SECRET_KEYS": KEY,
           "ADMIN_PHONE": phone, "ADMIN_NAME": "Asha Rao", "TIMEZONE": midday_zone(),
           # the demo's photos go beside the test's database, not into the repository's instance/
           "ATTACHMENTS_DIR": str(Path(url.removeprefix("sqlite:///")).parent / "attachments")}
    return subprocess.run([sys.executable, str(ROOT / "bootstrap.py"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_bootstrap_is_idempotent_and_demo_is_guarded(tmp_path):
    url = f"sqlite:///{tmp_path / 'b.db'}"
    first = run_bootstrap(url)
    assert first.returncode == 0, first.stderr
    assert "✓ database migrated empty -> " in first.stdout
    assert "✓ admin Asha Rao (+447700900001) added as invited" in first.stdout
    second = run_bootstrap(url)
    assert "skipped migrations" in second.stdout and "default rules present" in second.stdout
    assert "added" not in second.stdout

    demo = run_bootstrap(url, "--demo")
    assert demo.returncode == 0 and "✓ demo organisation seeded" in demo.stdout, demo.stdout + demo.stderr
    again = run_bootstrap(url, "--demo")
    assert "demo organisation already present" in again.stdout

    db = Database.from_engine(make_engine(url))
    with db.uow(readonly=True) as uow:
        statuses = set(uow.session.scalars(select(Task.status).distinct()))
        admins = uow.session.scalar(select(func.count()).select_from(Person).where(
            Person.role == Role.ADMIN, Person.status == PersonStatus.ACTIVE))
        batches = uow.session.scalar(select(func.count()).select_from(Batch))
        session_states = set(uow.session.scalars(select(ClassSession.status).distinct()))
        absences = uow.session.scalar(select(func.count()).select_from(AttendanceRecord).where(
            AttendanceRecord.mark == Mark.ABSENT))
        missed_items = uow.session.scalar(select(func.count()).select_from(PendingAction).where(
            PendingAction.kind == "missed_session"))
        alerts = set(uow.session.scalars(select(PendingAction.summary)))
        open_now = uow.session.scalar(select(func.count()).select_from(ClassSession).where(
            ClassSession.status == SessionStatus.OPEN))
    db.engine.dispose()
    assert statuses == set(TaskStatus)
    assert admins == 1
    # Classes have something to show: four weeks taken with absences, one missed, one open now, more to come.
    assert batches == 3 and "1 missed in the last 4 weeks; 1 open now)" in demo.stdout, demo.stdout
    assert {SessionStatus.CLOSED, SessionStatus.MISSED, SessionStatus.SCHEDULED, SessionStatus.OPEN} <= session_states
    assert absences > 0 and missed_items == 1 and open_now == 1
    # The story the README tells: Chidi drifting below the threshold, Emre's streak.
    assert any(a.startswith("Chidi Eze attended") and "Year 10 Physics" in a for a in alerts), alerts
    assert "Emre Kaya was marked absent in each of the last 3 classes of Year 11 Maths." in alerts
    # Student risk shows all three levels over every factor; Chidi's move into HIGH is an inbox item.
    assert re.search(r"student risk \([1-9] high, [1-9] medium, [1-9] low\)", demo.stdout), demo.stdout
    assert any(re.match(r"Chidi Eze is now at high risk \([0-9.]+/100\): attendance [0-9]+% over the last .*"
                        r"homework .* fee [0-9]+ days overdue", a) for a in alerts), alerts


def test_demo_refuses_a_database_with_real_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'real.db'}"
    assert run_bootstrap(url).returncode == 0
    from domain.actors import Actor
    from domain.people import services as people

    db = Database.from_engine(make_engine(url))
    people.add_person(db.uow(), Actor.system(), name="Real Person", phone="+447700900777", role="member")
    db.engine.dispose()
    refused = run_bootstrap(url, "--demo")
    assert refused.returncode == 1 and "refusing to seed demo data" in refused.stdout
    forced = run_bootstrap(url, "--demo", "--force")
    assert forced.returncode == 0 and "✓ demo organisation seeded" in forced.stdout
