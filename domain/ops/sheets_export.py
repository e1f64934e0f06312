"""The Google Sheets export's rules: which tables, which columns and rows, how values become cells, the log.

The export reads one consistent snapshot of the database (one read transaction; REPEATABLE
READ on PostgreSQL), streams each table in chunks, and writes it to its worksheet through a
SpreadsheetSink (domain.ops.ports; adapters.google_sheets talks to Google): create it when
missing, else resize and clear it, then the header row and the rows in batches. Every run
writes a backup log row (kind "sheets"): "running" at the start, then "ok" with the number of
cells written, or "failed" with the error and the worksheets finished before it. A failure
half-way always ends in "failed" and an exception, never in a success.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

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
from domain.ops.ports import Cell, Spreadsheet, SpreadsheetSink
from domain.uow import Database

KIND = "sheets"
MAX_CELL_CHARS = 50_000  # the Sheets limit for one cell
SPREADSHEET_URL = "https://docs.google.com/spreadsheets/d/%s"

Progress = Callable[[str, int, int], None]  # (worksheet, rows written, rows in the table)


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
    """Each worksheet's header row: its query's column names, in order."""
    return {title: list(query().selected_columns.keys()) for title, query in TABLES.items()}


def to_cell(value: Any) -> Cell:
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


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text and not text.startswith(type(exc).__name__) else (
        text or type(exc).__name__)


def export_to_sheets(
    db: Database,
    sink: SpreadsheetSink,
    spreadsheet_key: str,
    *,
    batch_rows: int = 500,
    progress: Progress | None = None,
) -> ExportResult:
    """Write people, groups, tasks, sessions, attendance and audit to their worksheets.

    Raises SheetsExportError (its cause: the sink's or the database's error) when anything fails;
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
        spreadsheet = sink.open(spreadsheet_key)
        with db.uow(readonly=True) as uow:
            if uow.dialect == "postgresql":
                # One snapshot for every table, so the sheets agree with each other.
                uow.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            for title, query in TABLES.items():
                current, position = title, (0, 0)
                n, written = _export_table(uow.session, spreadsheet, title, query(),
                                           batch_rows, on_progress)
                rows[title], cells, current = n, cells + written, None
                finished.append(title)
    except BaseException as exc:
        done = ", ".join(finished) if finished else "none"
        where = (f" while writing {current!r} (after {position[0]} of {position[1]} rows)"
                 if current else "")
        message = (f"Google Sheets export to {spreadsheet_key!r} failed{where}: "
                   f"{sink.explain(exc, spreadsheet_key) or _describe(exc)}. Worksheets finished: {done}")
        if current:
            message += f"; {current!r} and those after it are incomplete or hold an older export"
        message += "."
        _log_end(db, log_id, "failed", error=message[:2000])
        if not isinstance(exc, Exception):
            raise
        raise SheetsExportError(message, log_id=log_id, finished=finished, table=current) from exc
    _log_end(db, log_id, "ok", size=cells)
    return ExportResult(spreadsheet_key, rows, cells, log_id)


def _export_table(session: Session, spreadsheet: Spreadsheet, title: str, query: Select[Any], batch_rows: int,
                  progress: Callable[[str, int, int], None]) -> tuple[int, int]:
    """Write one table; returns (data rows, cells written)."""
    header = list(query.selected_columns.keys())
    width = len(header)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    worksheet = spreadsheet.worksheet(title, rows=total + 1, cols=width)
    worksheet.write(1, [header])
    progress(title, 0, total)
    done = 0
    result = session.execute(query.execution_options(yield_per=batch_rows))
    for chunk in result.partitions():
        if done + len(chunk) > total:
            raise RuntimeError(f"{title!r} changed while it was being read")  # snapshot broken
        values = [[to_cell(v) for v in row] for row in chunk]
        first = done + 2  # row 1 is the header
        worksheet.write(first, values)
        done += len(values)
        progress(title, done, total)
    if done != total:
        raise RuntimeError(f"{title!r} changed while it was being read ({done} rows, {total} counted)")
    return total, (total + 1) * width
