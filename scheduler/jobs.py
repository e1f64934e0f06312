"""The jobs: each one calls domain services; what they tell people goes through the outbox."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from adapters import backup_files
from domain.alerts import sla_scan
from domain.attendance import pipeline, schedule
from domain.fees import issue as fee_issue
from domain.fees import reminders as fee_reminders
from domain.homework import reminders as homework_reminders
from domain.ops import backups, updates
from domain.reminders import briefs
from domain.reminders import services as reminders
from domain.risk import engine as risk_engine
from domain.tickets import reminders as desk_reminders
from domain.uow import Database

log = logging.getLogger(__name__)


@dataclass
class JobContext:
    db: Database
    org_tz: str
    backup_dir: Path
    sheets_credentials: str | None = None
    sheets_key: str | None = None
    models_dir: Path | None = None  # the engagement models (skops files); None: beside the backups


def ensure_sessions(ctx: JobContext) -> str:
    """Make the coming week's class sessions from the schedule (reads never make them)."""
    today = ctx.db.clock.now().astimezone(ZoneInfo(ctx.org_tz)).date()
    n = schedule.ensure_sessions(ctx.db.uow(), today, today + timedelta(days=7), ctx.org_tz,
                                  skip_ended=True)
    return f"{n} slots checked"


def open_sessions(ctx: JobContext) -> str:
    """Open the classes about to start; their teachers get the sheet."""
    return f"{len(schedule.open_due(ctx.db.uow()))} opened"


def close_sessions(ctx: JobContext) -> str:
    """Nag teachers late with attendance, then close (or mark missed) the classes past their grace."""
    nagged = pipeline.nag_late(ctx.db.uow())
    counts = pipeline.auto_close(ctx.db.uow(), ctx.org_tz)
    return f"{counts['closed']} closed, {counts['missed']} missed, {nagged} nagged"


def remind(ctx: JobContext) -> str:
    r = reminders.scan(ctx.db.uow(), ctx.org_tz)
    return f"{r.reminded} reminded, {r.held} held for quiet hours, {r.escalated} escalated"


def remind_desk(ctx: JobContext) -> str:
    """The service desk's reminder rules: untriaged tickets (leads), work taking too long (assignees)."""
    r = desk_reminders.scan(ctx.db.uow())
    return f"{r.untriaged} untriaged, {r.in_progress} in progress reminded"


def remind_homework(ctx: JobContext) -> str:
    """Homework due soon: remind the students who have handed nothing in (rule homework.remind_before_hours)."""
    return f"{homework_reminders.scan(ctx.db.uow())} homework reminders"


def send_briefs(ctx: JobContext) -> str:
    return f"{briefs.send_due(ctx.db.uow, ctx.org_tz)} briefs"


def backup(ctx: JobContext) -> str:
    result = backups.backup(ctx.db, backup_files.for_engine(ctx.db.engine), ctx.backup_dir)
    done = f"{result.path.name} ({result.size_bytes} bytes)"
    if ctx.sheets_credentials and ctx.sheets_key:
        from adapters.google_sheets import GoogleSheets
        from domain.ops import sheets_export

        sink = GoogleSheets.from_service_account(ctx.sheets_credentials)
        exported = sheets_export.export_to_sheets(ctx.db, sink, ctx.sheets_key)
        done += f"; Sheets: {exported.cells} cells"
    return done


def purge_updates(ctx: JobContext) -> str:
    from domain import idempotency, outbox

    scrubbed = outbox.scrub_stale(ctx.db.uow())
    keys = idempotency.purge(ctx.db.uow())
    return (f"{updates.purge(ctx.db.uow())} old update ids forgotten, {scrubbed} stale codes scrubbed, "
            f"{keys} idempotency keys forgotten")


def alert_sla(ctx: JobContext) -> str:
    """SLA alerts: tickets at risk or breached, each announced once per type."""
    r = sla_scan.scan(ctx.db.uow())
    return f"{r.at_risk} at risk, {r.breached} breached announced"


def student_risk_recompute(ctx: JobContext) -> str:
    """Nightly: score every student; events on level changes, one inbox item per move into HIGH."""
    from domain.actors import Actor

    done = risk_engine.recompute(ctx.db.uow(), Actor.system())
    return f"{done.students} students scored, {done.changed} level changes, {done.into_high} into high risk"
def train_engagement(ctx: JobContext) -> str:
    """Retrain the engagement risk model, evaluate it against the baseline, score everyone (nightly)."""
    from adapters.learning import SklearnLearner, SkopsStore
    from domain.engagement import training

    if training.trained_within(ctx.db, training.FRESH_HOURS):  # a second leader the same night
        return "trained recently: not retrained"
    with _TRAINING:
        store = SkopsStore(ctx.models_dir or ctx.backup_dir.parent / "models")
        r = training.train(ctx.db, SklearnLearner(), store, ctx.org_tz)
    shown = "model" if r.model_wins else "heuristic"
    return f"{r.status}: {r.n_train} train / {r.n_test} test, {r.scored} scored by the {shown}"


_TRAINING = threading.Lock()


def catch_up_engagement(ctx: JobContext) -> str:
    """At start-up (and every few hours): when no model is fresh, train one in a background thread, so that
    a long training neither delays the start nor holds up the lease's renewal (its commits stay fenced)."""
    from domain.engagement import training

    if _TRAINING.locked() or not training.worth_training(ctx.db, training.FRESH_HOURS):
        return "fresh, too little history or training already: nothing to do"

    def work() -> None:
        try:
            log.info("engagement: %s", train_engagement(ctx))
        except Exception:
            log.exception("engagement training failed")

    threading.Thread(target=work, name="engagement-train", daemon=True).start()
    return "training started in the background"
def issue_fees(ctx: JobContext) -> str:
    """Issue every fee plan's dues for the current month (idempotent: a due is issued once)."""
    return f"{fee_issue.issue_due(ctx.db.uow())} dues issued"


def remind_fees(ctx: JobContext) -> str:
    """Fee reminders to parents: before the due date, then up to three overdue stages, each once."""
    r = fee_reminders.scan(ctx.db.uow())
    return f"{r.reminded} dues reminded ({r.messages} messages)"


# id -> (function, trigger kind, trigger arguments)
JOBS = {
    "sessions.ensure": (ensure_sessions, "interval", {"hours": 1}),
    "sessions.open": (open_sessions, "interval", {"minutes": 1}),
    "sessions.close": (close_sessions, "interval", {"minutes": 5}),
    "reminders.scan": (remind, "interval", {"minutes": 1}),
    "desk.remind": (remind_desk, "interval", {"minutes": 5}),
    "homework.remind": (remind_homework, "interval", {"minutes": 5}),
    "sla.alerts": (alert_sla, "interval", {"minutes": 1}),
    "briefs.send": (send_briefs, "interval", {"minutes": 5}),
    "backup.daily": (backup, "cron", {"hour": 2, "minute": 30}),
    "engagement.train": (train_engagement, "cron", {"hour": 3, "minute": 45}),
    "engagement.catch_up": (catch_up_engagement, "interval", {"hours": 6}),
    "updates.purge": (purge_updates, "interval", {"minutes": 15}),
    "student_risk_recompute": (student_risk_recompute, "cron", {"hour": 3, "minute": 15}),
    "fees.issue": (issue_fees, "interval", {"hours": 1}),
    "fees.remind": (remind_fees, "interval", {"minutes": 30}),
}
# Run once as soon as this scheduler leads: catch up on what downtime left behind.
AT_START = ("sessions.ensure", "sessions.close", "sessions.open", "sla.alerts", "fees.issue", "fees.remind",
            "engagement.catch_up")
