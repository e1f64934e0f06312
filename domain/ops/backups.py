"""Backups as the admin console sees them: the log, an on-demand backup, the latest SQLite copy.

The backup itself is domain.services.backups.backup (the same the scheduler and `taskbell backup`
run); these functions authorise the acting person (admins only) and audit what they do. A file is
offered for download only when the log records it, it finished well, and it sits directly inside the
backup directory: never a path that came from a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters import backup_files as backups
from adapters.backup_files import BackupResult
from domain import audit
from domain.actors import Actor, load_active
from domain.errors import IllegalTransition, NotFound
from domain.models import BackupLog, Role
from domain.uow import Database, UnitOfWork

RUNNING_FOR_AT_MOST = timedelta(minutes=30)  # a "running" row older than this was left by a crash
LOG_ROWS = 50


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


def _latest_copy(session: Session, directory: Path) -> Path | None:
    home = directory.resolve()
    paths = session.scalars(select(BackupLog.path).where(
        BackupLog.status == "ok", BackupLog.kind == "sqlite", BackupLog.path.is_not(None))
        .order_by(BackupLog.id.desc()).limit(LOG_ROWS))
    for raw in paths:
        path = Path(raw).resolve()  # symlinks followed: one pointing out of the directory is refused
        if path.parent == home and path.suffix == ".db" and path.name.startswith("taskbell-") and path.is_file():
            return path
    return None


def _running(session: Session, now: datetime) -> bool:
    return session.scalar(select(BackupLog.id).where(
        BackupLog.status == "running", BackupLog.started_at > now - RUNNING_FOR_AT_MOST).limit(1)) is not None


def overview(uow: UnitOfWork, actor: Actor, directory: Path, limit: int = LOG_ROWS) -> BackupOverview:
    with uow:
        load_active(uow.session, actor, Role.ADMIN)
        logs = uow.session.scalars(select(BackupLog).order_by(BackupLog.id.desc()).limit(limit))
        rows = [BackupRow(r.id, r.started_at, r.finished_at, r.kind, r.status, r.size_bytes,
                          Path(r.path).name if r.path else None, r.error) for r in logs]
        latest = _latest_copy(uow.session, directory)
        return BackupOverview(rows, latest.name if latest else None, _running(uow.session, uow.now))


def run_backup(db: Database, actor: Actor, directory: Path) -> BackupResult:
    """An admin's "Back up now": audited, refused while another backup runs; raises what backup() raises."""
    with db.uow() as uow:
        load_active(uow.session, actor, Role.ADMIN)
        if _running(uow.session, uow.now):
            raise IllegalTransition("A backup is running already; wait for it to finish.")
        audit.record(uow.session, actor, "backup.run", "backup", None, uow.now)
        uow.commit()
    try:  # backup() creates the directory before its log row can record a failure: check it first
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RuntimeError(f"cannot use {directory} as the backup directory: {exc.strerror or exc}") from exc
    return backups.backup(db, directory)


def latest_copy_for_download(uow: UnitOfWork, actor: Actor, directory: Path) -> Path:
    """The newest good SQLite copy in `directory` recorded in the log; the download is audited."""
    with uow:
        load_active(uow.session, actor, Role.ADMIN)
        path = _latest_copy(uow.session, directory)
        if path is None:
            raise NotFound("There is no SQLite backup to download yet.")
        audit.record(uow.session, actor, "backup.download", "backup", None, uow.now, file=path.name)
        uow.commit()
        return path
