"""Classes in the console: a teacher picks a batch, a date and a class, and takes attendance on the web.

The sheet is the one behind the bot's one-time link (web.routes.attendance: same template, same mark
parsing); here the signed-in session authorises instead of a link, and the form posts to
/admin/classes/{id}/submit, which calls the same service (att_sheet.submit) and so the same pipeline.
The day's list is the same domain query as /attendance in Telegram (att_queries.classes_of_day); a class
the schedule implies but the scheduler has not made yet is made by POST /admin/classes/open.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from domain.attendance import batch_queries, schedule
from domain.attendance import queries as att_queries
from domain.attendance import sheet as att_sheet
from domain.errors import InvalidInput, NotFound
from domain.timeparse import DATE_HELP
from web.console import STAFF, Console, console_page, page, run, uow_of
from web.deps import get_deps
from web.forms import optional_date, optional_id, path_id
from web.pages import zone
from web.routes.attendance import FormRefused, parse_marks, sheet_context, with_sheet_styles

CONSOLE_FOOTNOTE = "Parents of absent students are told once, after you submit."
SHEET_FLASH = {"submitted": "Attendance submitted.",
               "reopened": "Class reopened: its teachers were sent the sheet again, open for at least an hour."}


@console_page(*STAFF)
async def classes(request: Request, c: Console) -> Response:
    """A day's classes (today by default), optionally of one batch; looking writes nothing."""
    tz_name = get_deps(request).settings.timezone
    params = request.query_params
    day = optional_date(params.get("date"))
    batch_id = optional_id(params.get("batch_id"), "batch")
    found = await run(att_queries.classes_of_day, uow_of(request, True), c.actor, day, tz_name, batch_id=batch_id)
    keep = {"batch_id": batch_id} if batch_id is not None else {}
    return page(request, c, "admin/classes.html", {
        "batches": found.batches, "batch_id": batch_id, "day": found.day, "today": found.today,
        "sessions": found.rows, "org_tz": zone(tz_name, "UTC"),
        "prev": urlencode({**keep, "date": (found.day - timedelta(days=1)).isoformat()}),
        "next": urlencode({**keep, "date": (found.day + timedelta(days=1)).isoformat()})})


@console_page(*STAFF, back="/admin/classes")
async def class_open(request: Request, c: Console) -> Response:
    """Open the sheet of a class whose session is not made yet: make it from the schedule, then show it."""
    slot_id = optional_id(c.field("slot_id"), "class")
    if slot_id is None:
        raise NotFound("No such class.")
    day = optional_date(c.field("date"))
    if day is None:
        raise InvalidInput(DATE_HELP)
    session_id = await run(schedule.ensure_session, uow_of(request), c.actor, slot_id=slot_id, on=day,
                           tz=get_deps(request).settings.timezone)
    return RedirectResponse(f"/admin/classes/{session_id}", 303)


@console_page(*STAFF, back="/admin/classes")
async def class_sheet(request: Request, c: Console) -> Response:
    """A class's sheet in the console: to look at, or to take attendance while the class is open."""
    deps = get_deps(request)
    sheet = await run(att_sheet.sheet, uow_of(request, True), c.actor, path_id(request))
    flash = SHEET_FLASH.get(request.query_params.get("m", ""))
    context = sheet_context(sheet, zone(None, deps.settings.timezone), c.csrf,
                            action=f"/admin/classes/{sheet.session_id}/submit", footnote=CONSOLE_FOOTNOTE)
    back = "/admin/classes?" + urlencode({"batch_id": sheet.batch_id, "date": sheet.on_date.isoformat()})
    return with_sheet_styles(page(request, c, "admin/class_sheet.html", {
        **context, "flash": flash, "back": back}))


@console_page(*STAFF, back="/admin/classes")
async def class_submit(request: Request, c: Console) -> Response:
    """Submit the console's sheet (refused if the class was submitted meanwhile)."""
    session_id = path_id(request)
    try:
        marks = parse_marks(c.form or {})
    except FormRefused as exc:
        raise InvalidInput(exc.message) from None
    await run(att_sheet.submit_marks, uow_of(request), c.actor, session_id, marks)
    return RedirectResponse(f"/admin/classes/{session_id}?m=submitted", 303)


@console_page(*STAFF)
async def batches_list(request: Request, c: Console) -> Response:
    """Batches the viewer may see."""
    rows = await run(batch_queries.list_batches, uow_of(request, True), c.actor)
    return page(request, c, "admin/batches.html", {"rows": rows, "flash": None})


routes = [
    Route("/admin/classes", classes, methods=["GET"], name="admin_classes"),
    Route("/admin/classes/open", class_open, methods=["POST"]),
    Route("/admin/classes/{id}", class_sheet, methods=["GET"]),
    Route("/admin/classes/{id}/submit", class_submit, methods=["POST"]),
    Route("/admin/batches", batches_list, methods=["GET"]),
]
