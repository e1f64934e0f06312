"""Row 13: a mixed soak of `taskbell run` (bot, web, scheduler and mailer in one process, on a sandbox in a
process of its own: SANDBOX_EXTERNAL=1): assignments every few seconds, button presses in the sandbox chats,
dashboard page views, for `seconds` (600 by default). BENCH_SOAK_TRACEMALLOC=1 traces the app's allocations
from the end of the first fifth and prints what is still alive at the end (diagnosis: slower).

Reported: resident memory of the app (and, apart, of the sandbox) over the run (the last fifth against the
first fifth after a warm-up: flat if the ratio is within 1 +- 0.10), the outbox at the end (drained: nothing
due or in flight left unsent), and errors (HTTP answers >= 500 and ERROR/Traceback lines in the log)."""

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

from adapters.settings import SANDBOX_TOKEN
from bench.common import KEY, Row, free_port, progress, wait_http
from bench.memory import rss_mib
from domain.actors import Actor
from domain.database import make_engine
from domain.links import LinkSigner
from domain.models import OPEN_STATUSES, Notification, NotificationStatus, Person, Role, Task
from domain.tasks import services as tasks
from domain.uow import Database
from tgsandbox.client import SyncSandboxClient

ROOT = Path(__file__).resolve().parent.parent
ASSIGN_EVERY = 15.0  # seconds between assignments (to every linked student)
SAMPLE_EVERY = 5.0  # seconds between memory samples


PRESS_GAP = 1.5  # seconds at least between two presses in one chat (a person waits for the card to change)


class Presser:
    """Presses like people: in a chat, only once the previous press was answered and PRESS_GAP has passed.

    Pressing faster than the bot may edit a chat's message (Telegram: ~1 message a second per chat) would
    press the same not-yet-edited button again and again and grow a backlog no real chat produces."""

    def __init__(self, sandbox: SyncSandboxClient) -> None:
        self.sandbox = sandbox
        self.last: dict[int, tuple[str, float]] = {}  # chat -> (its last callback query, when)

    def _ready(self, chat: int) -> bool:
        last = self.last.get(chat)
        if last is None:
            return True
        query, at = last
        if time.monotonic() - at < PRESS_GAP:
            return False
        return bool(self.sandbox.callback(query)["answered"])

    def press_one(self, chat: int) -> bool:
        """Press the oldest Start or Complete button in the chat, if any and ready; True when one was pressed.
        Oldest first: the task started is completed next (newest first would only ever start new ones)."""
        if not self._ready(chat):
            return False
        for message in self.sandbox.messages(chat):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    data = button.get("callback_data") or ""
                    if data.startswith(("task:start:", "task:complete:")):
                        query = self.sandbox.press_button(chat, message["message_id"], data)
                        self.last[chat] = (query, time.monotonic())
                        return True
        return False


def _outbox(db: Database) -> tuple[dict[str, int], int]:
    """Rows by status, and those not sent yet: pending and due, or being sent (in flight)."""
    with db.uow(readonly=True) as uow:
        counts = {str(s.value if hasattr(s, "value") else s): n for s, n in uow.session.execute(
            select(Notification.status, func.count()).group_by(Notification.status))}
        due = uow.session.scalar(select(func.count()).where(
            (Notification.status == NotificationStatus.SENDING)
            | ((Notification.status == NotificationStatus.PENDING) & (Notification.next_attempt_at <= uow.now))))
    return counts, int(due or 0)


class Load:
    """The mixed load, kept across the sampling chunks: an assignment to every linked student each ASSIGN_EVERY
    seconds, presses in every chat that is ready for one, and dashboard views of 5 random students a round.

    Balanced: each task needs two presses (Start, Complete) and a chat takes one each PRESS_GAP at most, so the
    students keep up and their open tasks stay level; the app's memory is then measured on a steady load."""

    def __init__(self, db: Database, web: int, presser: Presser) -> None:
        with db.uow(readonly=True) as uow:
            self.admin = uow.session.scalar(select(Person.id).where(Person.role == Role.ADMIN).order_by(Person.id))
            self.students = list(uow.session.execute(
                select(Person.id, Person.telegram_chat_id, Person.link_generation)
                .where(Person.role == Role.STUDENT, Person.telegram_chat_id.is_not(None))))
        self.db, self.presser = db, presser
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{web}", timeout=30)
        self.signer = LinkSigner((KEY,))
        self.rng = random.Random(20)
        self.next_assign = time.monotonic()
        self.counts = {"assignments": 0, "tasks": 0, "presses": 0, "pages": 0, "errors_http": 0}

    def open_tasks(self) -> int:
        """The students' tasks not finished yet (level under a balanced load)."""
        with self.db.uow(readonly=True) as uow:
            return int(uow.session.scalar(select(func.count()).select_from(Task).where(
                Task.assignee_id.in_([s.id for s in self.students]), Task.status.in_(OPEN_STATUSES))) or 0)

    def run(self, seconds: float) -> None:
        """The load for `seconds`."""
        counts, db = self.counts, self.db
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if time.monotonic() >= self.next_assign:
                result = tasks.assign(db.uow(), Actor.telegram(self.admin), tasks.AssignmentSpec(
                    title=f"Soak task {counts['assignments'] + 1}", person_ids=[s.id for s in self.students],
                    due_at=db.clock.now() + timedelta(hours=2)))
                counts["assignments"] += 1
                counts["tasks"] += result.task_count
                self.next_assign += ASSIGN_EVERY
            for student in self.students:
                counts["presses"] += self.presser.press_one(student.telegram_chat_id)
            for student in self.rng.sample(self.students, min(5, len(self.students))):
                token = self.signer.dashboard_token(student.id, db.clock.now(), student.link_generation)
                r = self.http.get(f"/d/{token}")
                counts["pages"] += 1
                counts["errors_http"] += r.status_code >= 500
            time.sleep(0.2)

    def close(self) -> None:
        self.http.close()


TRACE_ENV = "BENCH_SOAK_TRACEMALLOC"  # set to 1: the app traces allocations from the end of the first fifth
# The app with a SIGUSR1 handler: the first signal starts tracemalloc, each one dumps a snapshot to
# $SOAK_SNAPSHOT.<n>; the last one then holds what was allocated after the first fifth and is still alive.
TRACED_RUN = ("import os, signal, tracemalloc; n = [0]\n"
              "def dump(*_):\n"
              "    if not tracemalloc.is_tracing(): tracemalloc.start(8)\n"
              "    n[0] += 1; tracemalloc.take_snapshot().dump(f\"{os.environ['SOAK_SNAPSHOT']}.{n[0]}\")\n"
              "signal.signal(signal.SIGUSR1, dump)\n"
              "from taskbell.cli import main; raise SystemExit(main(['run']))")


def _port_pair() -> int:
    """A free port whose next one is free too (the sandbox's SMTP server takes SANDBOX_PORT + 1)."""
    import socket

    for _ in range(50):
        port = free_port()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two free ports in a row")


def _start_sandbox(tmp: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """The sandbox in its own process (as `taskbell run` would run it: same token, tolerance, SMTP port)."""
    code = ("from tgsandbox.server import serve; "
            f"serve(host='127.0.0.1', port={port}, token={SANDBOX_TOKEN!r}, log_level='warning', "
            f"smtp_port={port + 1}, limit_tolerance_ms=50)")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=tmp, env=env, stdout=subprocess.DEVNULL,
                            stderr=open(tmp / "sandbox.log", "w"))  # noqa: SIM115
    try:
        wait_http(f"http://127.0.0.1:{port}/sandbox/bot", proc=proc)
    except RuntimeError:
        print((tmp / "sandbox.log").read_text()[-1500:], flush=True)
        raise
    return proc


def _snapshot(proc: subprocess.Popen[bytes], path: Path, n: int) -> Path:
    """Ask the traced app for its n-th snapshot and wait for the file."""
    proc.send_signal(signal.SIGUSR1)
    out = Path(f"{path}.{n}")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if out.exists():
            size = out.stat().st_size
            time.sleep(1.0)
            if size and out.stat().st_size == size:
                return out
        time.sleep(0.5)
    raise TimeoutError("no tracemalloc snapshot")


def _print_growth(first: Path, last: Path, top: int = 25) -> None:
    import tracemalloc

    a, b = tracemalloc.Snapshot.load(str(first)), tracemalloc.Snapshot.load(str(last))
    print(f"  .. tracemalloc growth, top {top} by traceback:", flush=True)
    for stat in b.compare_to(a, "traceback")[:top]:
        print(f"  {stat.size_diff / 1024:+9.0f} KiB {stat.count_diff:+7d} blocks", flush=True)
        for line in stat.traceback.format()[-6:]:
            print(f"      {line}", flush=True)


def rows(workdir: Path, seconds: float = 600.0) -> list[Row]:
    traced = os.environ.get(TRACE_ENV) == "1"
    with tempfile.TemporaryDirectory(dir=workdir) as tmp_name:
        tmp = Path(tmp_name)
        web, sandbox_port = free_port(), _port_pair()
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("TELEGRAM_", "DATABASE_URL", "ADMIN_", "APP_BASE_URL", "TIMEZONE", "SMTP_"))}
        env.update(SECRET_KEYS=KEY, WEB_PORT=str(web), SANDBOX_PORT=str(sandbox_port), SANDBOX_EXTERNAL="1",
                   APP_BASE_URL=f"http://127.0.0.1:{web}", PYTHONPATH=str(ROOT), SOAK_SNAPSHOT=str(tmp / "snap"))
        log_path = tmp / "taskbell.log"
        log = open(log_path, "w")  # noqa: SIM115
        progress("soak: starting the sandbox, then `taskbell run` (demo data) on it, in a temp dir")
        box = _start_sandbox(tmp, sandbox_port, env)
        command = ["-c", TRACED_RUN] if traced else ["-m", "taskbell.cli", "run"]
        proc = subprocess.Popen([sys.executable, *command], cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT)
        samples: list[float] = []
        box_samples: list[float] = []
        snaps: list[Path] = []
        try:
            wait_http(f"http://127.0.0.1:{web}/health", timeout=90, proc=proc)
            time.sleep(3.0)
            db = Database.from_engine(make_engine(f"sqlite:///{tmp / 'instance' / 'taskbell.db'}"))
            sandbox = SyncSandboxClient(f"http://127.0.0.1:{sandbox_port}")
            load = Load(db, web, Presser(sandbox))
            open_tasks = [load.open_tasks()]
            progress(f"soak: {seconds:.0f} s of assignments, presses and page views")
            started = time.monotonic()
            while time.monotonic() - started < seconds:
                load.run(min(SAMPLE_EVERY, seconds - (time.monotonic() - started)))
                samples.append(rss_mib(proc.pid))
                box_samples.append(rss_mib(box.pid))
                if traced and not snaps and time.monotonic() - started >= seconds / 5:
                    snaps.append(_snapshot(proc, tmp / "snap", 1))
            if traced:
                snaps.append(_snapshot(proc, tmp / "snap", 2))
            open_tasks.append(load.open_tasks())
            load.close()
            counts = load.counts
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
            box.terminate()
            try:
                box.wait(10)
            except subprocess.TimeoutExpired:
                box.kill()
                box.wait(5)
        if len(snaps) == 2:
            _print_growth(*snaps)
        text = log_path.read_text()
        if code != 0 or stop_seconds > 10:
            print(f"  !! soak: slow or unclean exit; the log from `stopping` on:\n"
                  f"{text[text.rfind('runner: stopping') - 40:][-4000:]}", flush=True)
        log_errors = sum(1 for line in text.splitlines() if "Traceback" in line or " ERROR " in line)
        if log_errors:
            print(f"  !! soak: {log_errors} error lines; log tail:\n{text[-1500:]}", flush=True)
    first, last = _fifths(samples)
    box_first, box_last = _fifths(box_samples)
    size = f"{seconds:.0f} s" + (" (tracemalloc)" if traced else "")
    return [
        Row("soak: memory (last fifth)", size, last, "MiB", first, "first fifth after warm-up",
            f"VmRSS of `taskbell run` (bot, web, scheduler, mailer; the sandbox runs apart), {len(samples)} samples, "
            f"peak {max(samples):.1f} MiB; flat if ratio within 1 +- 0.10; {counts.get('assignments')} assignments "
            f"({counts.get('tasks')} tasks), {counts.get('presses')} presses, {counts.get('pages')} page views; "
            f"open tasks {open_tasks[0]} at the start, {open_tasks[-1]} at the end"),
        Row("soak: sandbox memory (last fifth)", size, box_last, "MiB", box_first, "first fifth after warm-up",
            "VmRSS of the sandbox process (the fake Telegram: it keeps every message by design)"),
        Row("soak: outbox due and unsent at the end", size, float(due), "rows", float(sum(outbox.values())),
            "rows written", f"drained if 0; {outbox}"),
        Row("soak: errors", size, float(int(counts.get("errors_http", 0)) + log_errors), "errors",  # type: ignore[call-overload]
            float(int(counts.get("pages", 0))), "page views",  # type: ignore[call-overload]
            f"HTTP >= 500: {counts.get('errors_http')}; ERROR/Traceback log lines: {log_errors}; "
            f"SIGTERM -> exit {code} after {stop_seconds:.1f} s"),
    ]


def _fifths(samples: list[float]) -> tuple[float, float]:
    """The mean of the first fifth after the warm-up sample, and of the last fifth."""
    fifth = max(len(samples) // 5, 1)
    warm = samples[1:][:fifth] or samples[:1]  # the first sample is before the caches fill: skipped
    return sum(warm) / len(warm), sum(samples[-fifth:]) / fifth
