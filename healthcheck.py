"""Check a Taskbell deployment without changing it: one line per check, exit 0 when all pass.

Usage: python healthcheck.py [--json]   (also: taskbell healthcheck)
Each failure says what is wrong and what to do. Nothing is written: the database probe
writes inside a transaction that is rolled back, and no job is started.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from adapters import migrations
from adapters.settings import Settings, load_settings
from domain.clock import Clock, SystemClock
from domain.errors import ConfigError

HEARTBEAT_MAX_AGE = timedelta(minutes=3)
OUTBOX_MAX_AGE = timedelta(minutes=10)
BACKUP_MAX_AGE = timedelta(hours=36)
TELEGRAM_TIMEOUT = 5.0


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""
    fix: str = ""
    warn: bool = False  # passes (exit 0), but says what to do: e.g. no backup yet on a fresh install

    def line(self) -> str:
        if self.ok and self.warn:
            return f"! WARN {self.name}: {self.detail} -> {self.fix}"
        if self.ok:
            return f"✓ PASS {self.name}" + (f" ({self.detail})" if self.detail else "")
        return f"✗ FAIL {self.name}: {self.detail} -> {self.fix}"


class Failed(Exception):
    """A check's failure: the message says what is wrong."""


class Warned(Exception):
    """Not a failure, but worth a line: what a fresh install has not done yet (no backup, never started)."""


def _age(when: datetime, now: datetime) -> str:
    seconds = int((now - when).total_seconds())
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m" if seconds >= 3600 else f"{seconds // 60}m{seconds % 60:02d}s"


def run_checks(settings: Settings | None = None, clock: Clock | None = None,
               token_for_telegram: str | None = None) -> list[Check]:
    try:
        settings = settings or load_settings()
    except ConfigError as exc:
        return [Check("required settings present and valid", False, str(exc),
                      "fix the variable in the environment or .env (see .env.example)")]
    clock = clock or SystemClock()
    now = clock.now()
    checks = [Check("required settings present and valid", True)]

    def probe(name: str, fn: Callable[[], str], fix: str) -> None:
        try:
            checks.append(Check(name, True, fn()))
        except Warned as exc:
            checks.append(Check(name, True, str(exc), fix, warn=True))
        except Exception as exc:  # a check reports, it never raises
            message = str(exc) if isinstance(exc, Failed) else f"{type(exc).__name__}: {exc}"
            checks.append(Check(name, False, message.splitlines()[0][:300], fix))

    from domain.database import make_engine

    engine = make_engine(settings.database_url, **({} if settings.is_sqlite else {"connect_args": {"connect_timeout": 5}}))
    try:
        def db_write() -> str:
            with engine.connect() as conn:
                trans = conn.begin()
                conn.execute(text("CREATE TEMPORARY TABLE hc_probe (x INTEGER)"))
                conn.execute(text("INSERT INTO hc_probe VALUES (1)"))
                trans.rollback()
            return f"{engine.dialect.name}, write rolled back"

        def at_head() -> str:
            current, head = migrations.current_revision(engine), migrations.head_revision()
            if current != head:
                raise Failed(f"database at {current or 'no revision'}, code expects {head}")
            return f"revision {head}"

        probe("database reachable and writable", db_write, "check DATABASE_URL and that the database server runs")
        probe("migrations at head", at_head, "run: taskbell migrate")
        database_ok = all(c.ok for c in checks)

        def scheduler_alive() -> str:
            from domain.models import SchedulerLease
            from scheduler.jobs import JOBS as EXPECTED_JOBS

            with engine.connect() as conn:
                row = conn.execute(select(SchedulerLease.holder, SchedulerLease.heartbeat_at, SchedulerLease.jobs)
                                   .where(SchedulerLease.name == "main")).first()
            if row is None:
                raise Warned("no scheduler has run yet (a fresh install)")
            holder, beat, jobs = row
            beat = beat if beat.tzinfo else beat.replace(tzinfo=UTC)
            if now - beat > HEARTBEAT_MAX_AGE:
                raise Failed(f"last heartbeat {_age(beat, now)} ago from {holder}")
            missing = set(EXPECTED_JOBS) - set((jobs or {}).get("jobs", []))
            if missing:
                raise Failed(f"jobs not registered: {', '.join(sorted(missing))}")
            failures = [f"{j} ({r.get('result')})" for j, r in (jobs or {}).get("runs", {}).items() if not r.get("ok")]
            if failures:
                raise Failed("last run failed: " + "; ".join(failures))
            return f"{holder}, heartbeat {_age(beat, now)} ago, {len(EXPECTED_JOBS)} jobs"

        def outbox_healthy() -> str:
            from domain.models import Notification, NotificationStatus

            with engine.connect() as conn:
                oldest = conn.execute(select(func.min(Notification.created_at)).where(
                    Notification.status.in_([NotificationStatus.PENDING, NotificationStatus.SENDING]))).scalar()
                dead = conn.execute(select(func.count()).select_from(Notification).where(
                    Notification.status == NotificationStatus.DEAD)).scalar() or 0
            if oldest is not None:
                oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
                if now - oldest > OUTBOX_MAX_AGE:
                    raise Failed(f"oldest unsent notification is {_age(oldest, now)} old ({dead} dead letters)")
            if dead:
                raise Failed(f"{dead} dead letters")
            return "nothing waiting" if oldest is None else f"oldest unsent {_age(oldest, now)} old"

        def last_backup() -> str:
            from domain.models import BackupLog

            with engine.connect() as conn:
                row = conn.execute(select(BackupLog.started_at, BackupLog.status, BackupLog.error)
                                   .order_by(BackupLog.id.desc()).limit(1)).first()
            if row is None:
                raise Warned("no backup yet")
            started, status, error = row
            started = started if started.tzinfo else started.replace(tzinfo=UTC)
            if status == "failed":
                raise Failed(f"the last backup failed: {error}")
            if now - started > BACKUP_MAX_AGE:
                raise Failed(f"the last backup is {_age(started, now)} old")
            return f"{status}, {_age(started, now)} ago"

        if database_ok:
            probe("scheduler alive", scheduler_alive, "start it: taskbell scheduler (or taskbell run)")
            probe("outbox healthy", outbox_healthy,
                  "check the bot process (taskbell bot) and Telegram; failed, dead and unreachable "
                  f"notifications and Retry: the console's Delivery page, {settings.app_base_url}/admin/delivery")
            probe("last backup", last_backup, "run: taskbell backup (the scheduler takes one daily)")
    finally:
        engine.dispose()

    def telegram() -> str:
        from telegram import Bot
        from telegram.request import HTTPXRequest

        token, base = settings.bot_api  # with no token, the bundled sandbox stands in for Telegram
        if token_for_telegram:
            token, base = token_for_telegram, settings.telegram_api_base

        async def get_me() -> str:
            request = HTTPXRequest(connect_timeout=TELEGRAM_TIMEOUT, read_timeout=TELEGRAM_TIMEOUT)
            async with Bot(token, base_url=f"{base}/bot", request=request) as bot:
                return (await bot.get_me()).username or "?"

        try:
            return f"@{asyncio.run(get_me())} via {base}"
        except Exception as exc:
            if settings.uses_sandbox and not token_for_telegram:  # the sandbox runs only inside taskbell run
                raise Warned(f"the sandbox at {base} is not running") from exc
            raise

    probe("Telegram reachable", telegram,
          "start it: taskbell run" if settings.uses_sandbox and not token_for_telegram
          else "check TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE and the network")

    def tokens() -> str:
        from domain.links import LinkExpired, LinkSigner

        signer = LinkSigner(settings.secret_keys)
        token = signer.dashboard_token(1, now)
        if signer.dashboard_person(token, now) != 1:
            raise Failed("a fresh token did not verify")
        try:
            signer.dashboard_person(signer.dashboard_token(1, now - timedelta(days=30)), now)
        except LinkExpired:
            return "made, verified, and an expired one refused"
        raise Failed("an expired token was accepted")

    probe("signed tokens", tokens, "check SECRET_KEYS")

    def attachments() -> str:
        import tempfile

        root = Path(settings.attachments_dir)
        folder = root
        while not folder.exists() and folder != folder.parent:  # a fresh install: made at the first file
            folder = folder.parent
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".hc-probe-"):
            pass  # written and removed: the folder (or the one it will be made in) takes files
        return f"{root} writable" if folder == root else f"{root} can be made in {folder}"

    probe("attachments folder writable", attachments,
          "set ATTACHMENTS_DIR to a folder this user may write to (and back it up with the database)")
    return checks


def main(argv: list[str] | None = None, *, settings: Settings | None = None) -> int:
    parser = argparse.ArgumentParser(prog="healthcheck", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON for monitors")
    args = parser.parse_args(argv)
    checks = run_checks(settings)
    if args.json:
        print(json.dumps({"ok": all(c.ok for c in checks), "checks": [asdict(c) for c in checks]}))
    else:
        for c in checks:
            print(c.line())
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
