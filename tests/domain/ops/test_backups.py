"""The backup policy (domain.ops.backups) with the real stores (adapters.backup_files), and the CLI."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import make_url

from adapters import backup_files
from adapters.backup_files import PgDumpFiles, SqliteFiles
from domain.errors import InvalidInput
from domain.ops import backups
from tests.auxil.paths import ROOT


@pytest.fixture
def store(db):
    store = backup_files.for_engine(db.engine)
    if store.kind == "pg_dump" and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    return store


def test_the_store_fits_the_database(db):
    store = backup_files.for_engine(db.engine)
    if db.dialect == "sqlite":
        assert isinstance(store, SqliteFiles) and (store.kind, store.suffix, store.restorable) == ("sqlite", ".db", True)
        assert store.database == Path(db.engine.url.database)
    else:
        assert isinstance(store, PgDumpFiles) and (store.kind, store.suffix, store.restorable) == (
            "pg_dump", ".dump", False)


def test_a_backup_keeps_the_newest_of_its_kind_and_leaves_other_files(db, store, clock, tmp_path):
    directory = tmp_path / "backups"
    directory.mkdir()
    other_suffix = ".dump" if store.suffix == ".db" else ".db"
    bystanders = [directory / f"taskbell-20000101T000000Z{other_suffix}", directory / "notes.txt"]
    for path in bystanders:
        path.write_text("not ours to rotate")
    results = []
    for _ in range(3):
        results.append(backups.backup(db, store, directory, keep=2))
        clock.advance(minutes=1)

    kept = sorted(p.name for p in directory.glob(f"taskbell-*{store.suffix}"))
    assert kept == [r.path.name for r in results[1:]]
    assert all(p.exists() for p in bystanders)
    assert all(store.check(r.path) == (True, "ok") for r in results[1:])
    last = backups.last_backup(db)
    assert isinstance(last, backups.BackupRow)  # a read model, not the ORM row
    assert (last.kind, last.status, last.file_name, last.size_bytes) == (
        store.kind, "ok", results[-1].path.name, results[-1].size_bytes)
    assert backups.KEEP == 7


def test_restore_refuses_what_it_cannot_restore(db, store, tmp_path):
    missing, bad = tmp_path / "missing.db", tmp_path / "bad.db"
    bad.write_bytes(b"not a database at all" * 100)
    if not store.restorable:
        with pytest.raises(InvalidInput, match="pg_restore"):
            backups.restore(db, store, bad)
        return
    with pytest.raises(InvalidInput, match="does not exist"):
        backups.restore(db, store, missing)
    with pytest.raises(InvalidInput, match="failed its integrity check"):
        backups.restore(db, store, bad)


def test_a_pg_dump_archive_is_recognised_by_its_header(tmp_path):
    files = PgDumpFiles(make_url("postgresql+psycopg://u:p@127.0.0.1/x"))
    good, other = tmp_path / "a.dump", tmp_path / "b.dump"
    good.write_bytes(b"PGDMP\x01\x0e\x00")
    other.write_bytes(b"SQLite format 3\x00")
    assert files.check(good) == (True, "ok")
    assert files.check(other) == (False, "not a pg_dump archive")
    assert files.check(tmp_path / "gone.dump")[0] is False


def test_the_backup_and_restore_commands(tmp_path, sqlite_template):
    from tests.auxil.databases import sqlite_copy

    url = sqlite_copy(sqlite_template, tmp_path / "live.db")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": url, "SECRET_KEYS": "s" * 32}
    cli = [sys.executable, "-m", "taskbell.cli"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*cli, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    done = run("backup", "--dir", str(tmp_path / "backups"), "--keep", "1")
    assert done.returncode == 0, done.stderr
    (copy,) = (tmp_path / "backups").glob("taskbell-*.db")
    assert f"backup written: {copy}" in done.stdout and "integrity ok" in done.stdout

    with sqlite3.connect(tmp_path / "live.db") as conn:
        conn.execute("CREATE TABLE scratch (n INTEGER)")
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database at all" * 100)
    refused = run("restore", str(bad), "--yes")
    assert refused.returncode == 1 and "failed its integrity check" in refused.stderr

    restored = run("restore", str(copy), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert f"restored from {copy}" in restored.stdout
    with sqlite3.connect(tmp_path / "live.db") as conn:
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'scratch'").fetchone() == (0,)
