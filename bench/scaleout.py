"""Row 10: scale-out delivery. N notifications to N chats through 1, 2 and 3 `taskbell bot` processes over
PostgreSQL, against the sandbox (own process) at 30 messages/s: the rate as a share of the limit, and the
429 answers provoked. One process sends under the sending lease (domain.ops.sender); the others stand by."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench.common import (
    TOKEN,
    Row,
    SandboxProcess,
    linked_people,
    make_admin,
    pg_db,
    progress,
    without_quiet_hours,
)
from bench.delivery import _create_users
from domain.actors import Actor
from domain.models import Notification, NotificationStatus
from domain.ops import sender
from domain.tasks import services as tasks
from tgsandbox.client import SandboxClient

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 30


def _wait(condition, timeout: float) -> float:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return time.monotonic()
        time.sleep(0.05)
    raise TimeoutError("not in time")


async def _measure(workdir: Path, n: int, processes: int) -> tuple[float, int, int] | None:
    """(messages/s from the assignment's commit to the last send, 429 answers, duplicate sends)."""
    db = pg_db(f"taskbell_bench_scale_{processes}")
    if db is None:
        return None
    db = without_quiet_hours(db)
    url = db.engine.url.render_as_string(hide_password=False)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": url, "SECRET_KEYS": "s" * 32,
           "TELEGRAM_BOT_TOKEN": TOKEN, "TIMEZONE": "Europe/London", "PYTHONPATH": str(ROOT)}
    procs: list[subprocess.Popen[bytes]] = []
    with SandboxProcess(global_per_second=LIMIT) as sandbox:
        async with SandboxClient(sandbox.url) as client:
            ids = linked_people(db, await _create_users(client, n, f"S{processes}_"))
            admin = make_admin(db)
            try:
                for _ in range(processes):
                    procs.append(subprocess.Popen([sys.executable, "-m", "taskbell.cli", "bot"], cwd=workdir,
                                                  env={**env, "TELEGRAM_API_BASE": sandbox.url},
                                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
                _wait(lambda: sender.holder(db.uow()) is not None, 60)
                await asyncio.sleep(2)  # every process up: the standbys poll the lease meanwhile
                await client.reset_stats()
                started = time.monotonic()
                tasks.assign(db.uow(), Actor.telegram(admin), tasks.AssignmentSpec(
                    title="Read chapter 3", person_ids=ids, due_at=db.clock.now() + timedelta(days=2)))

                def sent() -> bool:
                    with db.uow(readonly=True) as uow:
                        return uow.session.scalar(select(func.count()).select_from(Notification).where(
                            Notification.status == NotificationStatus.SENT)) == n
                done = _wait(sent, 600)
                stats = await client.stats()
            finally:
                for p in procs:
                    p.send_signal(signal.SIGTERM)
                for p in procs:
                    p.wait(30)
    db.engine.dispose()
    sends = stats["by_method"].get("sendMessage", {}).get("200", 0)
    return n / (done - started), stats["too_many_requests"], max(0, sends - n)


def rows(workdir: Path, n: int = 600) -> list[Row]:
    out: list[Row] = []
    for processes in (1, 2, 3):
        progress(f"scale-out: {n} notifications, {processes} bot process(es) on PostgreSQL, limit {LIMIT}/s")
        got = asyncio.run(_measure(workdir, n, processes))
        if got is None:
            return [Row("scale-out delivery", "-", float("nan"), "", note="PostgreSQL not reachable")]
        rate, too_many, dupes = got
        out.append(Row(f"scale-out delivery, {processes} process{'es' if processes > 1 else ''}",
                       f"N={n} PG", rate, "msg/s", LIMIT, "the limit",
                       f"{too_many} answered 429, {dupes} duplicates; one sends under the lease"))
    return out
