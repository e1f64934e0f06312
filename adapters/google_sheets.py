"""Google Sheets export: one worksheet per table, written in batches through gspread.

The export reads one consistent snapshot of the database (one read transaction; REPEATABLE
READ on PostgreSQL), streams each table in chunks, and writes it to its worksheet: create it
when missing, else resize and clear it, then the header row and the rows in batches. Every run
writes a backup log row (kind "sheets"): "running" at the start, then "ok" with the number of
cells written, or "failed" with the error and the worksheets finished before it. A failure
half-way always ends in "failed" and an exception, never in a success.

HTTP 429 (and 408, 5xx, Drive's 403 usageLimits) are retried with exponential backoff by
`RetryingHTTPClient`, a bounded version of gspread's `BackOffHTTPClient`.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from http import HTTPStatus
from pathlib import Path
from typing import Any, ClassVar

import gspread
import requests
from google.auth.exceptions import GoogleAuthError
from google.oauth2 import service_account
from gspread.exceptions import APIError, SpreadsheetNotFound
from gspread.http_client import HTTPClient
from gspread.utils import ValueInputOption, rowcol_to_a1
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from domain.errors import ConfigError
from domain.models import (
    AttendanceRecord,
    AuditEntry,
    BackupLog,
    Batch,
    ClassSession,
    Group,
    GroupMember,
    Person,
    Task,
)
from domain.uow import Database

KIND = "sheets"
SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)  # opening by key needs no Drive scope
MAX_CELL_CHARS = 50_000  # the Sheets limit for one cell
SPREADSHEET_URL = "https://docs.google.com/spreadsheets/d/%s"

Progress = Callable[[str, int, int], None]  # (worksheet, rows written, rows in the table)


class SheetsCredentialsError(ConfigError):
    """The service-account file is missing or is not a usable service-account key."""


class SheetsExportError(RuntimeError):
    """The export stopped; the backup log row says "failed" with the same message."""

    def __init__(self, message: str, *, log_id: int, finished: Sequence[str], table: str | None) -> None:
        super().__init__(message)
        self.log_id = log_id
        self.finished = tuple(finished)  # worksheets written completely before the failure
        self.table = table  # the worksheet being written when it failed (None: before any)


@dataclass(frozen=True)
class ExportResult:
    spreadsheet_key: str
    rows: dict[str, int]  # data rows written per worksheet, in export order
    cells: int  # cells written, header rows included (also the log row's size)
    log_id: int


# --- HTTP: bounded exponential backoff ----------------------------------------------------

class RetryingHTTPClient(gspread.BackOffHTTPClient):
    """gspread's BackOffHTTPClient, bounded and tunable.

    gspread 6.2's BackOffHTTPClient retries through recursion, never gives up (its limit check
    compares an already clamped wait, so it is always true: gspread PR #1599) and sleeps up to
    128 s between attempts. This one retries in a loop, at most `max_attempts` requests in all,
    waiting `base_delay * 2**n` (plus jitter, at most `max_delay`, or the server's Retry-After),
    and then raises the last error. Make a faster one with `RetryingHTTPClient.tuned(...)`.
    """

    base_delay: ClassVar[float] = 1.0
    max_delay: ClassVar[float] = 64.0
    max_attempts: ClassVar[int] = 7
    RETRY_STATUSES: ClassVar[frozenset[int]] = frozenset({
        HTTPStatus.REQUEST_TIMEOUT, HTTPStatus.TOO_MANY_REQUESTS, HTTPStatus.INTERNAL_SERVER_ERROR,
        HTTPStatus.BAD_GATEWAY, HTTPStatus.SERVICE_UNAVAILABLE, HTTPStatus.GATEWAY_TIMEOUT,
    })

    def __init__(self, auth: Any, session: requests.Session | None = None) -> None:
        super().__init__(auth, session)
        self.retries = 0  # how many requests were repeated, for logs and tests

    @classmethod
    def tuned(cls, *, base_delay: float | None = None, max_delay: float | None = None,
              max_attempts: int | None = None) -> type[RetryingHTTPClient]:
        """A subclass with other delays (gspread.Client takes a class, not an instance)."""
        attrs = {k: v for k, v in {"base_delay": base_delay, "max_delay": max_delay,
                                   "max_attempts": max_attempts}.items() if v is not None}
        return type(cls.__name__, (cls,), attrs)

    def should_retry(self, exc: Exception) -> bool:
        if isinstance(exc, requests.ConnectionError | requests.Timeout):
            return True
        if not isinstance(exc, APIError):
            return False
        if exc.code in self.RETRY_STATUSES:
            return True
        # The Drive API answers 403 (not 429) when a quota is spent.
        errors = exc.error.get("errors") if isinstance(exc.error, dict) else None
        return (exc.code == HTTPStatus.FORBIDDEN and bool(errors) and isinstance(errors[0], dict)
                and errors[0].get("domain") == "usageLimits")

    def delay(self, exc: Exception, attempt: int) -> float:
        response = getattr(exc, "response", None)
        retry_after = response.headers.get("Retry-After") if response is not None else None
        if retry_after and retry_after.strip().isdigit():
            return min(float(retry_after), self.max_delay)
        return min(self.max_delay, self.base_delay * 2 ** (attempt - 1) + random.uniform(0, self.base_delay))

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        attempt = 1
        while True:
            try:
                return HTTPClient.request(self, *args, **kwargs)
            except (APIError, requests.ConnectionError, requests.Timeout) as exc:
                if attempt >= self.max_attempts or not self.should_retry(exc):
                    raise
                time.sleep(self.delay(exc, attempt))
                attempt += 1
                self.retries += 1


def client_from_service_account(
    path: str | Path,
    *,
    http_client: type[HTTPClient] = RetryingHTTPClient,
    timeout: float | tuple[float, float] | None = (10.0, 120.0),
) -> gspread.Client:
    """A gspread client authorised by the service-account JSON key at `path`.

    Nothing goes over the network here; the first request fetches the token. Raises
    SheetsCredentialsError, naming the file, when it is missing or not a service-account key.
    """
    raw = str(path).strip()
    if not raw:
        raise SheetsCredentialsError("No Google service-account file is set (GOOGLE_SERVICE_ACCOUNT_FILE).")
    file = Path(raw).expanduser()
    if not file.is_file():
        raise SheetsCredentialsError(f"The Google service-account file {file} does not exist.")
    try:
        info = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SheetsCredentialsError(f"The Google service-account file {file} is not readable JSON: {exc}") from exc
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise SheetsCredentialsError(
            f"The file {file} is not a service-account key (it needs \"type\": \"service_account\"); "
            "create a JSON key for a service account in the Google Cloud console.")
    missing = [k for k in ("client_email", "private_key", "token_uri") if not info.get(k)]
    if missing:
        raise SheetsCredentialsError(f"The service-account file {file} lacks {', '.join(missing)}.")
    try:
        creds = service_account.Credentials.from_service_account_info(info, scopes=list(SCOPES))
    except (ValueError, TypeError, GoogleAuthError) as exc:
        raise SheetsCredentialsError(
            f"The service-account file {file} holds no usable key: {exc or type(exc).__name__}") from exc
    client = gspread.authorize(creds, http_client=http_client)
    client.set_timeout(timeout)
    return client


# --- what is exported ---------------------------------------------------------------------

def _people() -> Select[Any]:
    return select(Person.id, Person.name, Person.phone, Person.role, Person.status, Person.timezone,
                  Person.created_at).order_by(Person.id)


def _groups() -> Select[Any]:
    owner = aliased(Person)
    members = (select(func.count()).select_from(GroupMember).where(GroupMember.group_id == Group.id)
               .correlate(Group).scalar_subquery())
    return (select(Group.id, Group.name, Group.owner_id, owner.name.label("owner"),
                   members.label("members"), Group.created_at)
            .outerjoin(owner, owner.id == Group.owner_id).order_by(Group.id))


def _tasks() -> Select[Any]:
    assignee, assigner = aliased(Person), aliased(Person)
    return (select(Task.id, Task.assignment_id, Task.title, Task.assignee_id, assignee.name.label("assignee"),
                   Task.assigner_id, assigner.name.label("assigner"), Task.priority, Task.status,
                   Task.due_at, Task.created_at, Task.started_at, Task.completed_at, Task.resolved_at,
                   Task.cancelled_at)
            .join(assignee, assignee.id == Task.assignee_id)
            .join(assigner, assigner.id == Task.assigner_id).order_by(Task.id))


def _sessions() -> Select[Any]:
    return (select(ClassSession.id, ClassSession.batch_id, Batch.name.label("batch"), ClassSession.on_date,
                   ClassSession.starts_at, ClassSession.ends_at, ClassSession.status, ClassSession.opened_at,
                   ClassSession.submitted_at, ClassSession.submitted_by, ClassSession.closed_at)
            .join(Batch, Batch.id == ClassSession.batch_id).order_by(ClassSession.id))


def _attendance() -> Select[Any]:
    student = aliased(Person)
    return (select(AttendanceRecord.id, AttendanceRecord.session_id, ClassSession.on_date.label("session_date"),
                   Batch.name.label("batch"), AttendanceRecord.student_id, student.name.label("student"),
                   AttendanceRecord.mark, AttendanceRecord.note, AttendanceRecord.marked_by,
                   AttendanceRecord.marked_at, AttendanceRecord.channel)
            .join(ClassSession, ClassSession.id == AttendanceRecord.session_id)
            .join(Batch, Batch.id == ClassSession.batch_id)
            .join(student, student.id == AttendanceRecord.student_id).order_by(AttendanceRecord.id))


def _audit() -> Select[Any]:
    actor = aliased(Person)
    return (select(AuditEntry.id, AuditEntry.at, AuditEntry.actor_id, actor.name.label("actor"),
                   AuditEntry.action, AuditEntry.object_type, AuditEntry.object_id, AuditEntry.channel,
                   AuditEntry.ip, AuditEntry.details)
            .outerjoin(actor, actor.id == AuditEntry.actor_id).order_by(AuditEntry.id))


# worksheet title -> the query; the header is the query's column names, in order
TABLES: dict[str, Callable[[], Select[Any]]] = {
    "people": _people,
    "groups": _groups,
    "tasks": _tasks,
    "sessions": _sessions,
    "attendance": _attendance,
    "audit": _audit,
}


def headers() -> dict[str, list[str]]:
    return {title: list(query().selected_columns.keys()) for title, query in TABLES.items()}


def to_cell(value: Any) -> str | int | float | bool:
    """One database value as a cell: times as ISO 8601 UTC, empty for NULL, JSON for documents."""
    if value is None:
        return ""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime):
        # UTC columns come back aware; a naive value (none expected) is taken as UTC.
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        value = aware.astimezone(UTC).isoformat().replace("+00:00", "Z")
    elif isinstance(value, date):
        value = value.isoformat()
    elif isinstance(value, dict | list):
        value = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    else:
        value = str(value)
    return value if len(value) <= MAX_CELL_CHARS else value[:MAX_CELL_CHARS - 1] + "…"


# --- the export ---------------------------------------------------------------------------

def _log_start(db: Database, key: str) -> int:
    with db.uow() as uow:
        row = BackupLog(started_at=uow.now, kind=KIND, status="running", path=SPREADSHEET_URL % key)
        uow.session.add(row)
        uow.commit()
        return row.id


def _log_end(db: Database, log_id: int, status: str, *, size: int | None = None,
             error: str | None = None) -> None:
    with db.uow() as uow:
        row = uow.session.get(BackupLog, log_id)
        assert row is not None
        row.finished_at, row.status, row.size_bytes, row.error = uow.now, status, size, error
        uow.commit()


def _describe(exc: BaseException, key: str, client: gspread.Client) -> str:
    if isinstance(exc, SpreadsheetNotFound):
        return f"no spreadsheet has the key {key!r} (or the service account cannot see it)"
    if isinstance(exc, PermissionError) and isinstance(exc.__cause__, APIError):
        auth = getattr(client.http_client, "auth", None)
        who = getattr(auth, "service_account_email", None) or "the service account"
        return f"permission denied on spreadsheet {key!r}: share it with {who} as an editor"
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text and not text.startswith(type(exc).__name__) else (
        text or type(exc).__name__)


def export_to_sheets(
    db: Database,
    client: gspread.Client,
    spreadsheet_key: str,
    *,
    batch_rows: int = 500,
    progress: Progress | None = None,
) -> ExportResult:
    """Write people, groups, tasks, sessions, attendance and audit to their worksheets.

    Raises SheetsExportError (its cause: the gspread or database error) when anything fails;
    the backup log row then says "failed", naming the worksheets finished before the failure.
    """
    if batch_rows < 1:
        raise ValueError("batch_rows must be at least 1")
    log_id = _log_start(db, spreadsheet_key)
    finished: list[str] = []
    rows: dict[str, int] = {}
    current: str | None = None
    position = (0, 0)  # rows written / rows in the current table
    cells = 0

    def on_progress(table: str, done: int, total: int) -> None:
        nonlocal position
        position = (done, total)
        if progress is not None:
            progress(table, done, total)

    try:
        if not spreadsheet_key.strip():
            raise ValueError("no spreadsheet key is set (GOOGLE_SHEETS_KEY)")
        spreadsheet = client.open_by_key(spreadsheet_key)
        existing = {ws.title: ws for ws in spreadsheet.worksheets()}
        with db.uow(readonly=True) as uow:
            if uow.dialect == "postgresql":
                # One snapshot for every table, so the sheets agree with each other.
                uow.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            for title, query in TABLES.items():
                current, position = title, (0, 0)
                n, written = _export_table(uow.session, spreadsheet, existing.get(title), title, query(),
                                           batch_rows, on_progress)
                rows[title], cells, current = n, cells + written, None
                finished.append(title)
    except BaseException as exc:
        done = ", ".join(finished) if finished else "none"
        where = (f" while writing {current!r} (after {position[0]} of {position[1]} rows)"
                 if current else "")
        message = (f"Google Sheets export to {spreadsheet_key!r} failed{where}: "
                   f"{_describe(exc, spreadsheet_key, client)}. Worksheets finished: {done}")
        if current:
            message += f"; {current!r} and those after it are incomplete or hold an older export"
        message += "."
        _log_end(db, log_id, "failed", error=message[:2000])
        if not isinstance(exc, Exception):
            raise
        raise SheetsExportError(message, log_id=log_id, finished=finished, table=current) from exc
    _log_end(db, log_id, "ok", size=cells)
    return ExportResult(spreadsheet_key, rows, cells, log_id)


def _export_table(session: Session, spreadsheet: gspread.Spreadsheet, worksheet: gspread.Worksheet | None,
                  title: str, query: Select[Any], batch_rows: int,
                  progress: Callable[[str, int, int], None]) -> tuple[int, int]:
    """Write one table; returns (data rows, cells written)."""
    header = list(query.selected_columns.keys())
    width = len(header)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    if worksheet is None:
        worksheet = spreadsheet.add_worksheet(title, rows=total + 1, cols=width)
    else:
        worksheet.resize(rows=total + 1, cols=width)
        worksheet.clear()
    worksheet.update([header], f"A1:{rowcol_to_a1(1, width)}", value_input_option=ValueInputOption.raw)
    progress(title, 0, total)
    done = 0
    result = session.execute(query.execution_options(yield_per=batch_rows))
    for chunk in result.partitions():
        if done + len(chunk) > total:
            raise RuntimeError(f"{title!r} changed while it was being read")  # snapshot broken
        values = [[to_cell(v) for v in row] for row in chunk]
        first = done + 2  # row 1 is the header
        worksheet.update(values, f"A{first}:{rowcol_to_a1(first + len(values) - 1, width)}",
                         value_input_option=ValueInputOption.raw)
        done += len(values)
        progress(title, done, total)
    if done != total:
        raise RuntimeError(f"{title!r} changed while it was being read ({done} rows, {total} counted)")
    return total, (total + 1) * width
