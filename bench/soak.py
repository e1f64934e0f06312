"""Row 13: a mixed soak of `taskbell run` (sandbox, bot, web, scheduler in one process): assignments every
few seconds, button presses in the sandbox chats, dashboard page views, for `seconds` (600 by default).

Reported: resident memory over the run (the last fifth against the first fifth after a warm-up: flat if the
ratio is within 1 +- 0.10), the outbox at the end (drained: nothing due left unsent), and errors (HTTP
answers >= 500 and ERROR/Traceback lines in the process's log)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select

from bench.common import KEY, Row, free_port, progress, wait_http
from bench.memory import rss_mib
from domain.actors import Actor
from domain.database import make_engine
from domain.links import LinkSigner
from domain.models import Notification, NotificationStatus, Person, Role
from domain.tasks import services as tasks
from domain.uow import Database
from tgsandbox.client import SyncSandboxClient

ROOT = Path(__file__).resolve().parent.parent
ASSIGN_EVERY = 5.0  # seconds between assignments (to every linked student)
SAMPLE_EVERY = 5.0  # seconds between memory samples


def _press_one(sandbox: SyncSandboxClient, chat: int) -> bool:
    """Press the newest Start or Complete button in the chat, if any; True when one was pressed."""
    for message in reversed(sandbox.messages(chat)):
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data") or ""
                if data.startswith(("task:start:", "task:complete:")):
                    sandbox.press_button(chat, message["message_id"], data)
                    return True
    return False


def _outbox(db: Database) -> tuple[dict[str, int], int]:
    """Rows by status, and those due now but not sent (pending or sending)."""
    with db.uow(readonly=True) as uow:
        counts = {str(s.value if hasattr(s, "value") else s): n for s, n in uow.session.execute(
            select(Notification.status, func.count()).group_by(Notification.status))}
        due = uow.session.scalar(select(func.count()).where(
            Notification.status.in_([NotificationStatus.PENDING, NotificationStatus.SENDING]),
            Notification.next_attempt_at <= uow.now))
    return counts, int(due or 0)


def _drive(db: Database, web: int, sandbox: SyncSandboxClient, seconds: float) -> dict[str, object]:
    """The mixed load for `seconds`; returns what happened, with the memory samples (pid filled in later)."""
    with db.uow(readonly=True) as uow:
        admin = uow.session.scalar(select(Person.id).where(Person.role == Role.ADMIN).order_by(Person.id))
        students = list(uow.session.execute(select(Person.id, Person.telegram_chat_id, Person.link_generation)
                                            .where(Person.role == Role.STUDENT,
                                                   Person.telegram_chat_id.is_not(None))))
    signer = LinkSigner((KEY,))
    rng = random.Random(20)
    counts = {"assignments": 0, "tasks": 0, "presses": 0, "pages": 0, "errors_http": 0}
    deadline = time.monotonic() + seconds
    next_assign = time.monotonic()
    with httpx.Client(base_url=f"http://127.0.0.1:{web}", timeout=30) as http:
        while time.monotonic() < deadline:
            if time.monotonic() >= next_assign:
                result = tasks.assign(db.uow(), Actor.telegram(admin), tasks.AssignmentSpec(
                    title=f"Soak task {counts['assignments'] + 1}", person_ids=[s.id for s in students],
                    due_at=db.clock.now() + timedelta(hours=2)))
                counts["assignments"] += 1
                counts["tasks"] += result.task_count
                next_assign += ASSIGN_EVERY
            for student in rng.sample(students, min(3, len(students))):
                counts["presses"] += _press_one(sandbox, student.telegram_chat_id)
            for student in rng.sample(students, min(5, len(students))):
                token = signer.dashboard_token(student.id, db.clock.now(), student.link_generation)
                r = http.get(f"/d/{token}")
                counts["pages"] += 1
                counts["errors_http"] += r.status_code >= 500
            time.sleep(0.2)
    return counts


def rows(workdir: Path, seconds: float = 600.0) -> list[Row]:
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        web, sandbox_port = free_port(), free_port()
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("TELEGRAM_", "DATABASE_URL", "ADMIN_", "APP_BASE_URL", "TIMEZONE"))}
        env.update(SECRET_KEYS=KEY, WEB_PORT=str(web), SANDBOX_PORT=str(sandbox_port),
                   APP_BASE_URL=f"http://127.0.0.1:{web}", PYTHONPATH=str(ROOT))
        log_path = Path(tmp) / "taskbell.log"
        log = open(log_path, "w")  # noqa: SIM115
        progress("soak: starting `taskbell run` (sandbox, demo data) in a temp dir")
        proc = subprocess.Popen([sys.executable, "-m", "taskbell.cli", "run"], cwd=tmp, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
        samples: list[float] = []
        try:
            wait_http(f"http://127.0.0.1:{web}/health", timeout=90, proc=proc)
            time.sleep(3.0)
            db = Database.from_engine(make_engine(f"sqlite:///{Path(tmp) / 'instance' / 'taskbell.db'}"))
            sandbox = SyncSandboxClient(f"http://127.0.0.1:{sandbox_port}")
            progress(f"soak: {seconds:.0f} s of assignments, presses and page views")
            counts: dict[str, object] = {}
            chunk = SAMPLE_EVERY
            started = time.monotonic()
            while time.monotonic() - started < seconds:
                part = _drive(db, web, sandbox, min(chunk, seconds - (time.monotonic() - started)))
                for k, v in part.items():
                    counts[k] = int(counts.get(k, 0)) + int(v)  # type: ignore[call-overload]
                samples.append(rss_mib(proc.pid))
            progress("soak: waiting for the outbox to drain (60 s at most)")
            drain_deadline = time.monotonic() + 60
            outbox, due = _outbox(db)
            while due and time.monotonic() < drain_deadline:
                time.sleep(1.0)
                outbox, due = _outbox(db)
            db.engine.dispose()
            sandbox.close()
        finally:
            stopping = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = proc.wait(10)
            log.close()
            stop_seconds = time.monotonic() - stopping
        text = log_path.read_text()
        log_errors = sum(1 for line in text.splitlines() if "Traceback" in line or " ERROR " in line)
        if log_errors:
            print(f"  !! soak: {log_errors} error lines; log tail:\n{text[-1500:]}", flush=True)
    fifth = max(len(samples) // 5, 1)
    warm = samples[1:][:fifth] or samples[:1]  # the first sample is before the caches fill: skipped
    first, last = sum(warm) / len(warm), sum(samples[-fifth:]) / fifth
    size = f"{seconds:.0f} s"
    return [
        Row("soak: memory (last fifth)", size, last, "MiB", first, "first fifth after warm-up",
            f"VmRSS of `taskbell run`, {len(samples)} samples, peak {max(samples):.1f} MiB; flat if ratio "
            f"within 1 +- 0.10; {counts.get('assignments')} assignments ({counts.get('tasks')} tasks), "
            f"{counts.get('presses')} presses, {counts.get('pages')} page views"),
        Row("soak: outbox due and unsent at the end", size, float(due), "rows", float(sum(outbox.values())),
            "rows written", f"drained if 0; {outbox}"),
        Row("soak: errors", size, float(int(counts.get("errors_http", 0)) + log_errors), "errors",  # type: ignore[call-overload]
            float(int(counts.get("pages", 0))), "page views",  # type: ignore[call-overload]
            f"HTTP >= 500: {counts.get('errors_http')}; ERROR/Traceback log lines: {log_errors}; "
            f"SIGTERM -> exit {code} after {stop_seconds:.1f} s"),
    ]
