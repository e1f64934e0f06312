"""Backups: the policy (a log row per run, keep the newest 7, one run at a time) and the console's view.

The copy itself is made by a BackupStore (domain.ops.ports) that the caller passes in:
adapters.backup_files gives one for SQLite (the online backup API) and one for PostgreSQL
(pg_dump). `backup` is what the scheduler, `taskbell backup` and the console's "Back up now" run;
the console's functions authorise the acting person (admins only) and audit what they do. A file
is offered for download only when the log records it, it finished well, and it sits directly
inside the backup directory: never a path that came from a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import audit
from domain.actors import Actor
from domain.errors import IllegalTransition, InvalidInput, NotFound
from domain.models import BackupLog
from domain.ops.ports import BackupResult, BackupStore, Progress
from domain.perms.catalogue import BACKUPS_RUN
from domain.perms.check import require
from domain.uow import Database, UnitOfWork

KEEP = 7  # backups of one kind kept in the directory; older ones are deleted after a good run
RUNNING_FOR_AT_MOST = timedelta(minutes=30)  # a "running" row older than this was left by a crash
LOG_ROWS = 50
PREFIX = "taskbell-"


@dataclass(frozen=True)
class BackupRow:
    id: int
    started_at: datetime
    finished_at: datetime | None
    kind: str
    status: str
    size_bytes: int | None
    file_name: str | None
    error: str | None


@dataclass(frozen=True)
class BackupOverview:
    rows: list[BackupRow]
    latest_copy: str | None  # file name of the SQLite copy a download would give
    running: bool


def _row(r: BackupLog) -> BackupRow:
    return BackupRow(r.id, r.started_at, r.finished_at, r.kind, r.status, r.size_bytes,
                     Path(r.path).name if r.path else None, r.error)


# --- the policy: log, copy, rotate ---------------------------------------------------------

def _log_start(db: Database, kind: str) -> int:
    with db.uow() as uow:
        row = BackupLog(started_at=uow.now, kind=kind, status="running")
        uow.session.add(row)
        uow.commit()
        return row.id


def _log_end(db: Database, log_id: int, status: str, path: Path | None = None, size: int | None = None,
             error: str | None = None) -> None:
    with db.uow() as uow:
        row = uow.session.get(BackupLog, log_id)
        assert row is not None
        row.finished_at, row.status, row.path, row.size_bytes, row.error = (
            uow.now, status, str(path) if path else None, size, error)
        uow.commit()


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%SZ")


def _rotate(store: BackupStore, directory: Path, keep: int) -> None:
    files = store.list(directory, f"{PREFIX}*{store.suffix}")
    for old in files[:-keep] if keep > 0 else []:
        store.delete(old)


def backup(db: Database, store: BackupStore, directory: Path, *, keep: int = KEEP,
           progress: Progress | None = None) -> BackupResult:
    """Back up the database into `directory` through `store`; writes a backup log row whatever happens."""
    log_id = _log_start(db, store.kind)
    try:
        result = store.take(directory / f"{PREFIX}{_stamp(db.clock.now())}{store.suffix}", progress)
        _rotate(store, directory, keep)
    except Exception as exc:
        _log_end(db, log_id, "failed", error=str(exc)[:500])
        raise
    _log_end(db, log_id, "ok", result.path, result.size_bytes)
    return result


def restore(db: Database, store: BackupStore, file: Path, progress: Progress | None = None) -> None:
    """Replace the live database's content with `file`, refusing a file that fails its check."""
    if not store.restorable:
        raise InvalidInput("Restore here covers SQLite; for PostgreSQL use pg_restore on the .dump file.")
    if not file.is_file():
        raise InvalidInput(f"{file} does not exist.")
    ok, detail = store.check(file)
    if not ok:
        raise InvalidInput(f"{file} failed its integrity check ({detail}); nothing was restored.")
    db.engine.dispose()
    store.restore(file, progress)


def last_backup(db: Database) -> BackupRow | None:
    """The newest backup log row (any kind), or None before the first backup."""
    with db.uow(readonly=True) as uow:
        row = uow.session.scalars(select(BackupLog).order_by(BackupLog.id.desc()).limit(1)).first()
        return _row(row) if row is not None else None


# --- the console ---------------------------------------------------------------------------

def _latest_copy(session: Session, directory: Path) -> Path | None:
    home = directory.resolve()
    paths = session.scalars(select(BackupLog.path).where(
        BackupLog.status == "ok", BackupLog.kind == "sqlite", BackupLog.path.is_not(None))
        .order_by(BackupLog.id.desc()).limit(LOG_ROWS))
    for raw in paths:
        path = Path(raw).resolve()  # symlinks followed: one pointing out of the directory is refused
        if path.parent == home and path.suffix == ".db" and path.name.startswith(PREFIX) and path.is_file():
            return path
    return None


def _running(session: Session, now: datetime) -> bool:
    return session.scalar(select(BackupLog.id).where(
        BackupLog.status == "running", BackupLog.started_at > now - RUNNING_FOR_AT_MOST).limit(1)) is not None


def overview(uow: UnitOfWork, actor: Actor, directory: Path, limit: int = LOG_ROWS) -> BackupOverview:
    """The backup log, the copy a download would give and whether a backup is running (admins only)."""
    with uow:
        require(uow.session, actor, BACKUPS_RUN)
        logs = uow.session.scalars(select(BackupLog).order_by(BackupLog.id.desc()).limit(limit))
        rows = [_row(r) for r in logs]
        latest = _latest_copy(uow.session, directory)
        return BackupOverview(rows, latest.name if latest else None, _running(uow.session, uow.now))


def run_backup(db: Database, store: BackupStore, actor: Actor, directory: Path) -> BackupResult:
    """An admin's "Back up now": audited, refused while another backup runs; raises what backup() raises."""
    with db.uow() as uow:
        require(uow.session, actor, BACKUPS_RUN)
        if _running(uow.session, uow.now):
            raise IllegalTransition("A backup is running already; wait for it to finish.")
        audit.record(uow.session, actor, "backup.run", "backup", None, uow.now)
        uow.commit()
    try:  # backup() creates the directory before its log row can record a failure: check it first
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RuntimeError(f"cannot use {directory} as the backup directory: {exc.strerror or exc}") from exc
    return backup(db, store, directory)


def latest_copy_for_download(uow: UnitOfWork, actor: Actor, directory: Path) -> Path:
    """The newest good SQLite copy in `directory` recorded in the log; the download is audited."""
    with uow:
        require(uow.session, actor, BACKUPS_RUN)
        path = _latest_copy(uow.session, directory)
        if path is None:
            raise NotFound("There is no SQLite backup to download yet.")
        audit.record(uow.session, actor, "backup.download", "backup", None, uow.now, file=path.name)
        uow.commit()
        return path
