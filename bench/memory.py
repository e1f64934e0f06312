"""Row 7: resident memory of `taskbell run` idle and after a fan-out of 10,000 tasks into its database,
against a bare `python -c "import time; time.sleep(30)"`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, insert, select

from bench.common import KEY, Row, free_port, progress, wait_http
from domain.actors import Actor
from domain.database import make_engine
from domain.models import Group, GroupMember, Notification, Person, PersonStatus, Role
from domain.tasks import services as tasks
from domain.uow import Database

ROOT = Path(__file__).resolve().parent.parent


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def _fan_out(database_url: str, n: int) -> None:
    db = Database.from_engine(make_engine(database_url))
    with db.uow() as uow:
        now = uow.now
        uow.session.execute(insert(Person), [
            {"name": f"Member {i}", "phone": f"+4473{i:08d}", "role": Role.STUDENT, "status": PersonStatus.ACTIVE,
             "created_at": now, "updated_at": now} for i in range(n)])
        admin = Person(name="Bench Admin", phone="+447299999999", role=Role.ADMIN, status=PersonStatus.ACTIVE,
                       created_at=now, updated_at=now)
        group = Group(name=f"Everyone {n}", created_at=now)
        uow.session.add_all([admin, group])
        uow.session.flush()
        ids = list(uow.session.scalars(select(Person.id).where(Person.phone.like("+4473%"))))
        uow.session.execute(insert(GroupMember), [{"group_id": group.id, "person_id": i, "added_at": now}
                                                  for i in ids])
        uow.commit()
        admin_id, group_id = admin.id, group.id
    tasks.assign(db.uow(), Actor.telegram(admin_id), tasks.AssignmentSpec(title="Fill in the survey",
                                                                          group_ids=[group_id]))
    db.engine.dispose()


def _outbox(database_url: str) -> dict[str, int]:
    db = Database.from_engine(make_engine(database_url))
    with db.uow(readonly=True) as uow:
        out = {s.value: c for s, c in uow.session.execute(
            select(Notification.status, func.count()).group_by(Notification.status))}
    db.engine.dispose()
    return out


def rows(workdir: Path, n: int = 10_000, settle: float = 20.0) -> list[Row]:
    progress("memory: bare python baseline")
    bare = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        time.sleep(1.0)
        base = rss_mib(bare.pid)
    finally:
        bare.kill()
        bare.wait(5)

    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        web, sandbox = free_port(), free_port()
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("TELEGRAM_", "DATABASE_URL", "ADMIN_", "APP_BASE_URL", "TIMEZONE"))}
        env.update(SECRET_KEYS=KEY, WEB_PORT=str(web), SANDBOX_PORT=str(sandbox),
                   APP_BASE_URL=f"http://127.0.0.1:{web}", PYTHONPATH=str(ROOT))
        log = open(Path(tmp) / "taskbell.log", "w")  # noqa: SIM115
        progress("memory: starting `taskbell run` (sandbox, demo data) in a temp dir")
        proc = subprocess.Popen([sys.executable, "-m", "taskbell.cli", "run"], cwd=tmp, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_http(f"http://127.0.0.1:{web}/health", timeout=90, proc=proc)
            time.sleep(3.0)
            idle = rss_mib(proc.pid)
            database_url = f"sqlite:///{Path(tmp) / 'instance' / 'taskbell.db'}"
            progress(f"memory: fan-out of {n:,} tasks into its database, then {settle:.0f} s")
            _fan_out(database_url, n)
            time.sleep(settle)
            loaded = rss_mib(proc.pid)
            outbox = _outbox(database_url)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = proc.wait(10)
                code = f"killed after 60 s (was {code})"  # type: ignore[assignment]
            log.close()
        if code != 0:
            tail = (Path(tmp) / "taskbell.log").read_text()[-1500:]
            print(f"  !! taskbell run exited {code}; log tail:\n{tail}", flush=True)
    exit_note = f"SIGTERM -> exit {code}" + (" (ok)" if code == 0 else " (NOT 0)")
    return [
        Row("memory: taskbell run, idle", "sandbox + bot + web + scheduler", idle, "MiB", base,
            "bare python sleeping", f"VmRSS; {exit_note}"),
        Row("memory: after fan-out", f"{n:,} tasks, +{settle:.0f} s", loaded, "MiB", base,
            "bare python sleeping", f"outbox then: {outbox}"),
    ]
