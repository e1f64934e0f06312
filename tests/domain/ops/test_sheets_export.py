"""Google Sheets export through gspread's real client, against a local fake of the Sheets API."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import gspread
import pytest
from google.auth.credentials import AnonymousCredentials
from sqlalchemy import select

from adapters.google_sheets import (
    GoogleSheets,
    RetryingHTTPClient,
    SheetsCredentialsError,
    client_from_service_account,
)
from domain.actors import Actor
from domain.attendance import batches, schedule
from domain.attendance import sheet as att_sheet
from domain.errors import ConfigError
from domain.groups import services as groups
from domain.models import (
    AttendanceRecord,
    AuditEntry,
    BackupLog,
    Batch,
    ClassSession,
    Group,
    GroupMember,
    Mark,
    Person,
    Priority,
    Role,
    Task,
)
from domain.ops.sheets_export import SheetsExportError, export_to_sheets
from domain.people import services as people
from domain.tasks import services as tasks
from tests.auxil.fake_sheets import FakeSheets

KEY = "1TaskbellBackupKey"
SYSTEM = Actor.system()
# Retries as in production, with millisecond waits.
FAST = RetryingHTTPClient.tuned(base_delay=0.001, max_delay=0.01, max_attempts=4)
HEADERS = {
    "people": ["id", "name", "phone", "role", "status", "timezone", "created_at"],
    "groups": ["id", "name", "owner_id", "owner", "members", "created_at"],
    "tasks": ["id", "assignment_id", "title", "assignee_id", "assignee", "assigner_id", "assigner",
              "priority", "status", "due_at", "created_at", "started_at", "completed_at", "resolved_at",
              "cancelled_at"],
    "sessions": ["id", "batch_id", "batch", "on_date", "starts_at", "ends_at", "status", "opened_at",
                 "submitted_at", "submitted_by", "closed_at"],
    "attendance": ["id", "session_id", "session_date", "batch", "student_id", "student", "mark", "note",
                   "marked_by", "marked_at", "channel"],
    "audit": ["id", "at", "actor_id", "actor", "action", "object_type", "object_id", "channel", "ip",
              "details"],
}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeSheets]:
    fake = FakeSheets()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def fake(server: FakeSheets) -> FakeSheets:
    server.reset()
    # An older export left a bigger "people" sheet; "Sheet1" is not ours and stays as it is.
    server.add_spreadsheet(KEY, sheets=("Sheet1", "people"))
    server.put_values(KEY, "Sheet1", [["keep me"]])
    server.put_values(KEY, "people", [[f"stale {r}.{c}" for c in range(12)] for r in range(40)])
    return server


@pytest.fixture
def client(fake: FakeSheets) -> gspread.Client:
    return fake.route(gspread.Client(AnonymousCredentials(), http_client=FAST))


@pytest.fixture
def org(db, make_person, clock):
    """A small organisation made through the services: people, groups, tasks, a class taken."""
    admin = make_person(Role.ADMIN, "Ada Admin")
    teacher = make_person(Role.TEACHER, "Tom Teacher")
    students = [make_person(Role.STUDENT, f"Student {n}") for n in range(4)]
    people.add_person(db.uow(), SYSTEM, name="Pat Parent", phone="+447700912345", role=Role.PARENT,
                      timezone="Asia/Kolkata")  # invited, not linked
    groups.create_group(db.uow(), SYSTEM, "Physics club", [s.id for s in students[:3]], owner_id=teacher.id)
    groups.create_group(db.uow(), SYSTEM, "Empty =SUM(A1)")  # no owner, no members; not a formula
    me = Actor.telegram(admin.id)
    result = tasks.assign(db.uow(), me, tasks.AssignmentSpec(
        title="Read chapter 3", person_ids=[s.id for s in students], due_at=clock.now() + timedelta(days=2),
        priority=Priority.HIGH))
    tasks.assign(db.uow(), me, tasks.AssignmentSpec(title="Tidy the lab", person_ids=[teacher.id]))
    with db.uow(readonly=True) as uow:
        ids = list(uow.session.scalars(select(Task.id).where(Task.assignment_id == result.assignment_id)
                                       .order_by(Task.id)))
    clock.advance(minutes=5)
    tasks.start_task(db.uow(), Actor.telegram(students[0].id), ids[0])
    clock.advance(minutes=5)
    tasks.complete_task(db.uow(), Actor.telegram(students[0].id), ids[0])
    tasks.cancel_task(db.uow(), me, ids[1], "not needed")

    batch = batches.create_batch(db.uow(), SYSTEM, name="Physics 10", teacher_ids=[teacher.id])
    batches.add_slot(db.uow(), SYSTEM, batch.id, weekday=0, start="16:00", duration_minutes=60)
    for s in students:
        batches.enrol(db.uow(), SYSTEM, batch.id, s.id, date(2026, 10, 1))
    schedule.ensure_sessions(db.uow(), date(2026, 11, 2), date(2026, 11, 9), "Europe/London")
    clock.set(datetime(2026, 11, 2, 15, 50, tzinfo=UTC))
    (session_id,) = schedule.open_due(db.uow())
    att_sheet.submit(db.uow(), Actor.telegram(teacher.id), session_id,
                      {students[1].id: Mark.ABSENT, students[2].id: Mark.LATE})
    return {"admin": admin, "teacher": teacher, "students": students}


def iso(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") + (
        f".{value.microsecond:06d}" if value.microsecond else "") + "Z"


def expected(db) -> dict[str, list[list[object]]]:
    """What each worksheet should hold, built from the ORM objects (not the export's queries)."""
    with db.uow(readonly=True) as uow:
        s = uow.session
        names = {p.id: p.name for p in s.scalars(select(Person))}
        batches = {b.id: b.name for b in s.scalars(select(Batch))}
        sessions = {c.id: c for c in s.scalars(select(ClassSession))}
        members = {g: 0 for g in s.scalars(select(Group.id))}
        for m in s.scalars(select(GroupMember)):
            members[m.group_id] += 1

        def name(pid: int | None) -> str:
            return "" if pid is None else names[pid]

        def opt(value: object) -> object:
            return "" if value is None else value

        return {
            "people": [[p.id, p.name, p.phone, p.role.value, p.status.value, opt(p.timezone), iso(p.created_at)]
                       for p in s.scalars(select(Person).order_by(Person.id))],
            "groups": [[g.id, g.name, opt(g.owner_id), name(g.owner_id), members[g.id], iso(g.created_at)]
                       for g in s.scalars(select(Group).order_by(Group.id))],
            "tasks": [[t.id, t.assignment_id, t.title, t.assignee_id, name(t.assignee_id), t.assigner_id,
                       name(t.assigner_id), t.priority.value, t.status.value, iso(t.due_at), iso(t.created_at),
                       iso(t.started_at), iso(t.completed_at), iso(t.resolved_at), iso(t.cancelled_at)]
                      for t in s.scalars(select(Task).order_by(Task.id))],
            "sessions": [[c.id, c.batch_id, batches[c.batch_id], c.on_date.isoformat(), iso(c.starts_at),
                          iso(c.ends_at), c.status.value, iso(c.opened_at), iso(c.submitted_at),
                          opt(c.submitted_by), iso(c.closed_at)]
                         for c in sorted(sessions.values(), key=lambda c: c.id)],
            "attendance": [[a.id, a.session_id, sessions[a.session_id].on_date.isoformat(),
                            batches[sessions[a.session_id].batch_id], a.student_id, name(a.student_id),
                            a.mark.value, opt(a.note), opt(a.marked_by), iso(a.marked_at), a.channel.value]
                           for a in s.scalars(select(AttendanceRecord).order_by(AttendanceRecord.id))],
            "audit": [[e.id, iso(e.at), opt(e.actor_id), name(e.actor_id), e.action, e.object_type,
                       opt(e.object_id), e.channel.value, opt(e.ip), e.details]
                      for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))],
        }


def sheet_rows(fake: FakeSheets, title: str) -> list[list[object]]:
    """The worksheet's data rows, padded to the header's width, audit details parsed back."""
    header, *rows = fake.values(KEY, title)
    width = len(header)
    padded = [row + [""] * (width - len(row)) for row in rows]
    if title == "audit":
        padded = [[*row[:-1], json.loads(row[-1])] for row in padded]
    return padded


def logs(db) -> list[BackupLog]:
    with db.uow(readonly=True) as uow:
        return list(uow.session.scalars(select(BackupLog).order_by(BackupLog.id)))


def test_every_table_lands_in_its_worksheet(db, org, fake, client, clock):
    seen: list[tuple[str, int, int]] = []
    result = export_to_sheets(db, GoogleSheets(client), KEY, batch_rows=3, progress=lambda *p: seen.append(p))

    want = expected(db)
    assert fake.titles(KEY) == ["Sheet1", "people", "groups", "tasks", "sessions", "attendance", "audit"]
    assert fake.values(KEY, "Sheet1") == [["keep me"]]
    for title, rows in want.items():
        assert fake.values(KEY, title)[0] == HEADERS[title]
        assert sheet_rows(fake, title) == rows, title
        assert fake.grid(KEY, title) == (len(rows) + 1, len(HEADERS[title]))  # stale rows/columns gone
        assert (title, len(rows), len(rows)) in seen
    assert result.rows == {title: len(rows) for title, rows in want.items()}
    assert result.cells == sum((len(r) + 1) * len(HEADERS[t]) for t, r in want.items())
    # Spot checks of the format: UTC ISO 8601 times, RAW text (a phone, a would-be formula).
    assert want["people"][0][-1] == "2026-11-02T09:00:00Z"
    assert sheet_rows(fake, "people")[-1][2:6] == ["+447700912345", "parent", "invited", "Asia/Kolkata"]
    assert sheet_rows(fake, "groups")[1][1] == "Empty =SUM(A1)"
    assert {r[6] for r in sheet_rows(fake, "attendance")} == {"present", "absent", "late"}
    assert len(want["tasks"]) == 5 and len(want["sessions"]) == 2 and len(want["attendance"]) == 4

    # Written in batches of 3 rows: one header write and ceil(n / 3) row writes per table.
    puts = [c.path for c in fake.calls if c.method == "PUT"]
    for title, rows in want.items():
        assert sum(1 for p in puts if f"/values/'{title}'!" in p) == 1 + -(-len(rows) // 3)

    (log,) = logs(db)
    assert (log.kind, log.status, log.error) == ("sheets", "ok", None)
    assert log.size_bytes == result.cells and log.id == result.log_id
    assert log.started_at == log.finished_at == clock.now()
    assert log.path == f"https://docs.google.com/spreadsheets/d/{KEY}"


def test_a_429_in_the_middle_is_retried_and_the_export_completes(db, org, fake, client):
    def progress(table: str, done: int, total: int) -> None:
        if (table, done) == ("tasks", 2):
            fake.fail_next_writes(2, 429)  # the next two writes are refused: quota exceeded

    result = export_to_sheets(db, GoogleSheets(client), KEY, batch_rows=2, progress=progress)

    statuses = fake.statuses()
    at = statuses.index(429)
    assert statuses[at:at + 3] == [429, 429, 200] and statuses.count(429) == 2
    assert all(s == 200 for s in statuses[at + 2:])
    assert client.http_client.retries == 2
    for title, rows in expected(db).items():
        assert sheet_rows(fake, title) == rows, title
    (log,) = logs(db)
    assert (log.status, log.size_bytes, log.error) == ("ok", result.cells, None)


def test_a_failure_half_way_is_logged_as_failed_never_as_success(db, org, fake, client):
    def progress(table: str, done: int, total: int) -> None:
        if (table, done) == ("tasks", 2):
            fake.fail_writes_from(1, 500)  # from the next write on, the API keeps failing

    with pytest.raises(SheetsExportError) as caught:
        export_to_sheets(db, GoogleSheets(client), KEY, batch_rows=2, progress=progress)

    err = caught.value
    assert err.finished == ("people", "groups") and err.table == "tasks"
    assert isinstance(err.__cause__, gspread.exceptions.APIError) and err.__cause__.code == 500
    assert fake.statuses()[-FAST.max_attempts:] == [500] * FAST.max_attempts  # retried, then gave up
    (log,) = logs(db)
    assert log.status == "failed" and log.size_bytes is None and log.finished_at is not None
    assert log.error == str(err)
    assert "'tasks' (after 2 of 5 rows)" in log.error and "[500]" in log.error
    assert "Worksheets finished: people, groups" in log.error
    # What was finished is really there; the rest is not claimed.
    want = expected(db)
    assert sheet_rows(fake, "people") == want["people"] and sheet_rows(fake, "groups") == want["groups"]
    assert "audit" not in fake.titles(KEY)


def test_a_refusal_is_not_retried_and_fails_the_export(db, org, fake, client):
    fake.fail_next_writes(1, 403)
    with pytest.raises(SheetsExportError, match=r"'people'.*\[403\].*Worksheets finished: none"):
        export_to_sheets(db, GoogleSheets(client), KEY)
    assert fake.statuses() == [403]
    (log,) = logs(db)
    assert log.status == "failed" and "The caller does not have permission" in log.error


def test_an_unknown_spreadsheet_is_a_clear_failure(db, fake, client):
    with pytest.raises(SheetsExportError, match="no spreadsheet has the key 'nope'"):
        export_to_sheets(db, GoogleSheets(client), "nope")
    (log,) = logs(db)
    assert log.status == "failed" and "Worksheets finished: none" in log.error


def write_key_file(path: Path, token_uri: str, **changes: object) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    info = {"type": "service_account", "project_id": "taskbell-test", "private_key_id": "k1",
            "private_key": pem, "client_email": "backup@taskbell-test.iam.gserviceaccount.com",
            "client_id": "1", "token_uri": token_uri, **changes}
    path.write_text(json.dumps(info))
    return path


def test_the_service_account_factory_end_to_end(db, org, fake, tmp_path):
    """The production factory: a key file, a token from the (fake) token endpoint, Bearer auth."""
    fake.require_token = True
    key_file = write_key_file(tmp_path / "sa.json", f"{fake.url}/token")
    client = fake.route(client_from_service_account(str(key_file), http_client=FAST))
    result = export_to_sheets(db, GoogleSheets(client), KEY, batch_rows=100)
    assert result.rows["people"] == len(expected(db)["people"])
    assert len(fake.issued_tokens) == 1
    (claims,) = fake.token_claims
    assert claims["iss"] == "backup@taskbell-test.iam.gserviceaccount.com"
    assert claims["scope"] == "https://www.googleapis.com/auth/spreadsheets"
    assert fake.blocked == [] and [log.status for log in logs(db)] == ["ok"]


def test_a_spreadsheet_not_shared_names_the_service_account(db, fake, tmp_path):
    key_file = write_key_file(tmp_path / "sa.json", f"{fake.url}/token")
    client = fake.route(client_from_service_account(key_file, http_client=FAST))
    fake.forbid(KEY)
    who = "backup@taskbell-test.iam.gserviceaccount.com"
    with pytest.raises(SheetsExportError, match=re.escape(f"share it with {who} as an editor")):
        export_to_sheets(db, GoogleSheets(client), KEY)
    assert fake.statuses(writes_only=False) == [200, 403]  # the token, then one refusal: no retries
    (log,) = logs(db)
    assert log.status == "failed" and "permission denied" in log.error


@pytest.mark.parametrize(("content", "message"), [
    (None, "does not exist"),
    ("{not json", "not readable JSON"),
    ('{"installed": {"client_id": "x"}}', "not a service-account key"),
    ('{"type": "service_account", "client_email": "a@b", "token_uri": "https://t"}', "lacks private_key"),
    ('{"type": "service_account", "client_email": "a@b", "token_uri": "https://t", '
     '"private_key": "-----BEGIN PRIVATE KEY-----\\nnope\\n-----END PRIVATE KEY-----\\n"}', "no usable key"),
])
def test_a_missing_or_invalid_key_file_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "sa.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(SheetsCredentialsError, match=message) as caught:
        client_from_service_account(path)
    assert str(path) in str(caught.value) and isinstance(caught.value, ConfigError)
    with pytest.raises(SheetsCredentialsError, match="No Google service-account file"):
        client_from_service_account("  ")
