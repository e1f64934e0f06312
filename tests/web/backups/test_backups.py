"""Backups in the admin console: the log, "Back up now" and the download, over HTTP on both databases."""

from __future__ import annotations

import shutil
from datetime import timedelta

from sqlalchemy import select

from domain.models import AuditEntry, BackupLog, Role
from tests.auxil.console import csrf_in, sign_in
from tests.auxil.web import client, make_deps


def log_rows(db) -> list[BackupLog]:
    with db.uow(readonly=True) as uow:
        return list(uow.session.scalars(select(BackupLog).order_by(BackupLog.id)))


def audited(db, action: str) -> list[AuditEntry]:
    with db.uow(readonly=True) as uow:
        return list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


async def test_back_up_now_logs_writes_and_the_copy_downloads(db, make_person, tmp_path):
    admin = make_person(Role.ADMIN, "Ada Admin")
    directory = tmp_path / "backups"
    deps = make_deps(db, backup_dir=str(directory))
    async with client(deps) as http:
        await sign_in(http, db, admin)
        page = await http.get("/admin/backups")
        assert page.status_code == 200 and "No backups yet." in page.text and 'id="download"' not in page.text
        assert (await http.get("/admin/backups/latest")).status_code == 404
        token = csrf_in(page.text)
        r = await http.post("/admin/backups/run", data={})
        assert r.status_code == 403 and log_rows(db) == []
        r = await http.post("/admin/backups/run", data={"csrf": token})
        rows = log_rows(db)
        assert len(rows) == 1 and len(audited(db, "backup.run")) == 1
        row = rows[0]
        if db.dialect == "sqlite":
            assert r.status_code == 200, r.text
            assert row.status == "ok" and row.kind == "sqlite" and row.error is None
            files = sorted(directory.glob("taskbell-*.db"))
            assert [f.name for f in files] == [row.path.rsplit("/", 1)[-1]] and files[0].suffix == ".db"
            assert f"Backed up: {files[0].name}." in r.text and f'id="backup-{row.id}" data-status="ok"' in r.text
            assert row.size_bytes == files[0].stat().st_size > 0
            download = await http.get("/admin/backups/latest")
            assert download.status_code == 200
            assert download.content == files[0].read_bytes() and download.content.startswith(b"SQLite format 3\0")
            assert download.headers["content-disposition"] == f'attachment; filename="{files[0].name}"'
            assert download.headers["cache-control"] == "no-store"
            assert [e.details["file"] for e in audited(db, "backup.download")] == [files[0].name]
        elif shutil.which("pg_dump"):
            assert r.status_code == 200, r.text
            assert row.status == "ok" and row.kind == "pg_dump"
            dump = next(directory.glob("taskbell-*.dump"))
            assert dump.read_bytes().startswith(b"PGDMP") and row.size_bytes == dump.stat().st_size
            r = await http.get("/admin/backups/latest")  # a pg_dump file is not a SQLite copy
            assert r.status_code == 404 and "no SQLite backup" in r.text
        else:
            assert r.status_code == 500 and "The backup failed: pg_dump is not installed" in r.text
            assert row.status == "failed" and "pg_dump is not installed" in row.error
            assert f'id="backup-{row.id}" data-status="failed"' in r.text


async def test_a_failure_shows_its_error_and_teachers_and_students_are_refused(db, make_person, tmp_path):
    admin = make_person(Role.ADMIN, "Ada Admin")
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the backup directory should be")
    async with client(make_deps(db, backup_dir=str(blocker))) as http:
        await sign_in(http, db, admin)
        token = csrf_in((await http.get("/admin/backups")).text)
        r = await http.post("/admin/backups/run", data={"csrf": token})
        assert r.status_code == 500 and 'id="backup-error"' in r.text
        assert "The backup failed: cannot use" in r.text and "as the backup directory" in r.text
    assert log_rows(db) == []  # nothing left "running"
    for role in (Role.TEACHER, Role.STUDENT):
        person = make_person(role)
        async with client(make_deps(db, backup_dir=str(tmp_path))) as http:
            await sign_in(http, db, person)
            for path in ("/admin/backups", "/admin/backups/latest"):
                r = await http.get(path)
                assert r.status_code == 403 and "administrators only" in r.text, (role, path)
            token = csrf_in((await http.get("/admin/inbox")).text) if role == Role.TEACHER else "0" * 64
            assert (await http.post("/admin/backups/run", data={"csrf": token})).status_code == 403
    assert log_rows(db) == []


async def test_only_logged_files_inside_the_backup_directory_are_served(db, make_person, tmp_path, clock):
    admin = make_person(Role.ADMIN, "Ada Admin")
    directory, elsewhere = tmp_path / "backups", tmp_path / "elsewhere"
    directory.mkdir()
    elsewhere.mkdir()
    secret = elsewhere / "taskbell-20260101T000000Z.db"
    secret.write_bytes(b"SQLite format 3\0 not yours")
    (directory / "taskbell-20260102T000000Z.db").symlink_to(secret)
    unlogged = directory / "taskbell-20260103T000000Z.db"
    unlogged.write_bytes(b"SQLite format 3\0 unlogged")
    now = clock.now()
    with db.uow() as uow:
        for path in (str(secret), str(directory / "taskbell-20260102T000000Z.db"),
                     str(directory / ".." / "elsewhere" / secret.name), str(directory / "missing.db")):
            uow.session.add(BackupLog(started_at=now, finished_at=now, kind="sqlite", status="ok", path=path,
                                      size_bytes=20))
        uow.commit()
    async with client(make_deps(db, backup_dir=str(directory))) as http:
        await sign_in(http, db, admin)
        page = await http.get("/admin/backups")
        assert 'id="download"' not in page.text
        for path in ("/admin/backups/latest", f"/admin/backups/latest?path={unlogged}"):
            r = await http.get(path)
            assert r.status_code == 404 and b"SQLite format" not in r.content
        good = directory / "taskbell-20260104T000000Z.db"
        good.write_bytes(b"SQLite format 3\0 the real copy")
        with db.uow() as uow:
            uow.session.add(BackupLog(started_at=now, finished_at=now, kind="sqlite", status="ok",
                                      path=str(good), size_bytes=30))
            uow.session.add(BackupLog(started_at=now, finished_at=now, kind="sqlite", status="failed",
                                      path=str(unlogged), error="disk full"))
            uow.commit()
        page = await http.get("/admin/backups")
        assert f"Download {good.name}" in page.text and "disk full" in page.text
        r = await http.get("/admin/backups/latest")
        assert r.status_code == 200 and r.content == good.read_bytes()
        with db.uow() as uow:  # a backup still running refuses a second one
            uow.session.add(BackupLog(started_at=now - timedelta(minutes=1), kind="sqlite", status="running"))
            uow.commit()
        token = csrf_in((await http.get("/admin/backups")).text)
        r = await http.post("/admin/backups/run", data={"csrf": token})
        assert r.status_code == 409 and "running already" in r.text
