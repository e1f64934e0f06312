"""Backups: a consistent SQLite copy through the online backup API (or pg_dump), checked and rotated."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url

from domain.errors import InvalidInput
from domain.models import BackupLog
from domain.uow import Database

Progress = Callable[[int, int], None]  # (pages copied, total pages)
KEEP = 7


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size_bytes: int
    kind: str


def integrity_ok(path: Path) -> tuple[bool, str]:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return False, str(exc)
    ok = rows == [("ok",)]
    return ok, "ok" if ok else "; ".join(r[0] for r in rows[:5])


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


def backup(db: Database, directory: Path, *, keep: int = KEEP, progress: Progress | None = None) -> BackupResult:
    """Back up the database into `directory`; writes a backup log row whatever happens."""
    url = db.engine.url
    kind = "sqlite" if url.get_backend_name() == "sqlite" else "pg_dump"
    log_id = _log_start(db, kind)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if kind == "sqlite":
            result = _sqlite_backup(Path(url.database or ""), directory, db.clock.now(), progress)
        else:
            result = _pg_dump(url.render_as_string(hide_password=False), directory, db.clock.now())
        _rotate(directory, result.path.suffix, keep)
    except Exception as exc:
        _log_end(db, log_id, "failed", error=str(exc)[:500])
        raise
    _log_end(db, log_id, "ok", result.path, result.size_bytes)
    return result


def _sqlite_backup(source: Path, directory: Path, now: datetime, progress: Progress | None) -> BackupResult:
    target = directory / f"taskbell-{_stamp(now)}.db"
    partial = target.with_suffix(".db.partial")
    src = sqlite3.connect(source)
    dst = sqlite3.connect(partial)
    try:
        with dst:
            src.backup(dst, pages=256, progress=(lambda _s, remaining, total: progress(total - remaining, total))
                       if progress else None)
        dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file, no -wal/-shm beside it
    finally:
        dst.close()
        src.close()
    ok, detail = integrity_ok(partial)
    if not ok:
        partial.unlink(missing_ok=True)
        raise RuntimeError(f"the copy failed its integrity check: {detail}")
    partial.rename(target)
    return BackupResult(target, target.stat().st_size, "sqlite")


def _pg_dump(url: str, directory: Path, now: datetime) -> BackupResult:
    exe = shutil.which("pg_dump")
    if exe is None:
        raise RuntimeError("pg_dump is not installed; install the PostgreSQL client tools to back up PostgreSQL")
    target = directory / f"taskbell-{_stamp(now)}.dump"
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:  # through the environment, never on the command line (visible in `ps`)
        env["PGPASSWORD"] = str(parsed.password)
    libpq_url = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    proc = subprocess.run([exe, "--format=custom", f"--file={target}", libpq_url], capture_output=True, text=True,
                          timeout=3600, env=env)
    if proc.returncode != 0:
        target.unlink(missing_ok=True)
        raise RuntimeError(f"pg_dump failed: {proc.stderr.strip()[:300]}")
    return BackupResult(target, target.stat().st_size, "pg_dump")


def _rotate(directory: Path, suffix: str, keep: int) -> None:
    files = sorted(directory.glob(f"taskbell-*{suffix}"))
    for old in files[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)


def restore_sqlite(db: Database, file: Path, progress: Progress | None = None) -> None:
    """Replace the live SQLite database's content with `file`, refusing a file that fails its check."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise InvalidInput("Restore here covers SQLite; for PostgreSQL use pg_restore on the .dump file.")
    if not file.is_file():
        raise InvalidInput(f"{file} does not exist.")
    ok, detail = integrity_ok(file)
    if not ok:
        raise InvalidInput(f"{file} failed its integrity check ({detail}); nothing was restored.")
    db.engine.dispose()
    src = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    dst = sqlite3.connect(make_url(str(url)).database or "")
    try:
        src.backup(dst, pages=256, progress=(lambda _s, remaining, total: progress(total - remaining, total))
                   if progress else None)
    finally:
        dst.close()
        src.close()


def last_backup(db: Database) -> BackupLog | None:
    with db.uow(readonly=True) as uow:
        return uow.session.scalars(select(BackupLog).order_by(BackupLog.id.desc()).limit(1)).first()
