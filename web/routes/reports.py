"""Attendance reports in the console: per student over a period, one student's calendar, CSV.

Who sees what is decided by domain.attendance.reports (teachers: their batches; admins: all).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from domain.attendance import batch_queries
from domain.attendance import reports as attendance_reports
from domain.attendance.reports import CalendarDay, StudentLine
from web.console import STAFF, Console, console_page, page, run, uow_of
from web.deps import get_deps
from web.forms import iso_date, optional_id
from web.pages import NO_STORE, zone

DEFAULT_DAYS = 30


@dataclass
class Cell:
    day: date | None  # None: outside the period
    classes: list[CalendarDay] = field(default_factory=list)

    def label(self, first: date) -> str:
        if self.day is None:
            return ""
        return f"{self.day.day} {self.day:%b}" if self.day.day == 1 or self.day == first else str(self.day.day)


def calendar_weeks(days: list[CalendarDay], first: date, last: date) -> list[list[Cell]]:
    """Monday-first weeks covering the period, each day with its classes."""
    by_day: dict[date, list[CalendarDay]] = {}
    for d in days:
        by_day.setdefault(d.on_date, []).append(d)
    weeks: list[list[Cell]] = []
    day = first - timedelta(days=first.weekday())
    while day <= last:
        weeks.append([Cell(d if first <= d <= last else None, by_day.get(d, []))
                      for d in (day + timedelta(days=i) for i in range(7))])
        day += timedelta(days=7)
    return weeks


@dataclass(frozen=True)
class Query:
    batch_id: int | None
    first: date
    last: date
    student_id: int | None

    def qs(self, **override: object) -> str:
        values = {"batch_id": self.batch_id, "from": self.first.isoformat(), "to": self.last.isoformat(),
                  "student_id": self.student_id, **override}
        return urlencode({k: v for k, v in values.items() if v is not None})


async def _query(request: Request, c: Console) -> tuple[Query, list[batch_queries.BatchRow]]:
    """The report's query from the URL (the last DEFAULT_DAYS days by default) and the batches to pick from."""
    params = request.query_params
    today = get_deps(request).db.clock.now().astimezone(zone(get_deps(request).settings.timezone, "UTC")).date()
    q = Query(optional_id(params.get("batch_id"), "batch"),
              iso_date(params.get("from"), today - timedelta(days=DEFAULT_DAYS - 1)),
              iso_date(params.get("to"), today), optional_id(params.get("student_id"), "student"))
    batches = await run(batch_queries.list_batches, uow_of(request, True), c.actor, picked=q.batch_id)
    return q, batches


async def home(request: Request) -> Response:
    """/admin/reports: the attendance report is the only one."""
    return RedirectResponse("/admin/reports/attendance", 303)


@console_page(*STAFF)
async def attendance_page(request: Request, c: Console) -> Response:
    """Attendance per student over a period, and one student's calendar."""
    q, batches = await _query(request, c)
    lines: list[StudentLine] = await run(attendance_reports.student_lines, uow_of(request, True), c.actor,
                                         q.first, q.last, batch_id=q.batch_id)
    attended = sum(line.attended for line in lines)
    counted = sum(line.counted for line in lines)
    calendar, student_name = None, None
    if q.student_id is not None:
        days = await run(attendance_reports.student_calendar, uow_of(request, True), c.actor, q.student_id,
                         q.first, q.last)
        if q.batch_id is not None:
            name = next(b.name for b in batches if b.id == q.batch_id)
            days = [d for d in days if d.batch == name]
        calendar = calendar_weeks(days, q.first, q.last)
        student_name = next((line.name for line in lines if line.student_id == q.student_id), None)
    return page(request, c, "admin/report_attendance.html", {
        "q": q, "batches": batches, "lines": lines, "calendar": calendar, "student_name": student_name,
        "overall": None if not counted else round(100.0 * attended / counted, 1), "flash": None})


@console_page(*STAFF)
async def attendance_csv(request: Request, c: Console) -> Response:
    """The period's attendance per student as CSV."""
    q, _batches = await _query(request, c)
    lines = await run(attendance_reports.student_lines, uow_of(request, True), c.actor, q.first, q.last,
                      batch_id=q.batch_id)
    name = f"taskbell-attendance-{q.first.isoformat()}-{q.last.isoformat()}.csv"
    return Response(attendance_reports.to_csv(lines), media_type="text/csv; charset=utf-8",
                    headers={**NO_STORE, "content-disposition": f'attachment; filename="{name}"'})


routes = [
    Route("/admin/reports", home, methods=["GET"]),
    Route("/admin/reports/attendance", attendance_page, methods=["GET"], name="admin_reports"),
    Route("/admin/reports/attendance.csv", attendance_csv, methods=["GET"]),
]
