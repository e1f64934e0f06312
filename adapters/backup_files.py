"""Backup files: a consistent SQLite copy through the online backup API, or pg_dump for PostgreSQL.

Both implement domain.ops.ports.BackupStore; the policy (log rows, how many to keep, one run at
a time) is domain.ops.backups. `for_engine` picks the store that fits a database.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from domain.ops.ports import BackupResult, BackupStore, Progress

PG_DUMP_MAGIC = b"PGDMP"


def integrity_ok(path: Path) -> tuple[bool, str]:
    """SQLite's own integrity check of the file at `path`, opened read-only."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return False, str(exc)
    ok = rows == [("ok",)]
    return ok, "ok" if ok else "; ".join(r[0] for r in rows[:5])


class _Files:
    """Listing and deleting copies: the same for every kind."""

    def list(self, directory: Path, pattern: str) -> list[Path]:
        """The files in `directory` matching `pattern`, sorted by name (the names carry the time)."""
        return sorted(directory.glob(pattern))

    def delete(self, path: Path) -> None:
        """Remove one copy; one already gone is no error."""
        path.unlink(missing_ok=True)


def _pages(progress: Progress | None) -> Callable[[int, int, int], object] | None:
    """Progress in sqlite3's callback shape (status, pages remaining, total pages)."""
    return (lambda _s, remaining, total: progress(total - remaining, total)) if progress else None


class SqliteFiles(_Files):
    """Copies of a SQLite database file, made and restored through the online backup API."""

    kind, suffix, restorable = "sqlite", ".db", True

    def __init__(self, database: Path) -> None:
        self.database = database

    def take(self, target: Path, progress: Progress | None = None) -> BackupResult:
        """Copy page by page to `target.partial`, check it, then rename it into place."""
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".partial")
        src = sqlite3.connect(self.database)
        dst = sqlite3.connect(partial)
        try:
            with dst:
                src.backup(dst, pages=256, progress=_pages(progress))
            dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file, no -wal/-shm beside it
        finally:
            dst.close()
            src.close()
        ok, detail = integrity_ok(partial)
        if not ok:
            partial.unlink(missing_ok=True)
            raise RuntimeError(f"the copy failed its integrity check: {detail}")
        partial.rename(target)
        return BackupResult(target, target.stat().st_size, self.kind)

    def check(self, path: Path) -> tuple[bool, str]:
        """SQLite's integrity check of the copy."""
        return integrity_ok(path)

    def restore(self, file: Path, progress: Progress | None = None) -> None:
        """Copy `file` over the live database through the backup API (the caller checked it)."""
        src = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        dst = sqlite3.connect(self.database)
        try:
            src.backup(dst, pages=256, progress=_pages(progress))
        finally:
            dst.close()
            src.close()


class PgDumpFiles(_Files):
    """pg_dump archives (custom format) of a PostgreSQL database; restoring is pg_restore's job."""

    kind, suffix, restorable = "pg_dump", ".dump", False

    def __init__(self, url: URL) -> None:
        self.url = url

    def take(self, target: Path, progress: Progress | None = None) -> BackupResult:
        """Run pg_dump into `target`; the password goes through the environment, never the command line."""
        target.parent.mkdir(parents=True, exist_ok=True)
        exe = shutil.which("pg_dump")
        if exe is None:
            raise RuntimeError("pg_dump is not installed; install the PostgreSQL client tools to back up PostgreSQL")
        env = dict(os.environ)
        if self.url.password:  # visible in `ps` on the command line
            env["PGPASSWORD"] = str(self.url.password)
        libpq_url = self.url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
        proc = subprocess.run([exe, "--format=custom", f"--file={target}", libpq_url], capture_output=True,
                              text=True, timeout=3600, env=env)
        if proc.returncode != 0:
            target.unlink(missing_ok=True)
            raise RuntimeError(f"pg_dump failed: {proc.stderr.strip()[:300]}")
        return BackupResult(target, target.stat().st_size, self.kind)

    def check(self, path: Path) -> tuple[bool, str]:
        """Whether `path` starts like a pg_dump custom-format archive."""
        try:
            with path.open("rb") as handle:
                ok = handle.read(len(PG_DUMP_MAGIC)) == PG_DUMP_MAGIC
        except OSError as exc:
            return False, exc.strerror or str(exc)
        return ok, "ok" if ok else "not a pg_dump archive"

    def restore(self, file: Path, progress: Progress | None = None) -> None:
        """Not here: restore a .dump with pg_restore."""
        raise RuntimeError("restore a PostgreSQL backup with pg_restore")


def for_engine(engine: Engine) -> BackupStore:
    """The store for this database: SQLite copies for SQLite, pg_dump for anything else."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return SqliteFiles(Path(url.database or ""))
    return PgDumpFiles(url)
