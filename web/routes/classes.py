"""Classes in the console: a teacher picks a batch, a date and a class, and takes attendance on the web.

The sheet is the one behind the bot's one-time link (web.routes.attendance: same template, same mark
parsing); here the signed-in session authorises instead of a link, and the form posts to
/admin/classes/{id}/submit, which calls the same service (att_sheet.submit) and so the same pipeline.
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
from domain.errors import Forbidden, IllegalTransition, InvalidInput, NotFound
from web.console import STAFF, Console, console_page, page, run, uow_of
from web.deps import get_deps
from web.forms import iso_date, optional_id, path_id
from web.pages import zone
from web.routes.attendance import FormRefused, parse_marks, sheet_context, with_sheet_styles

AHEAD_DAYS = 31  # sessions are made from the schedule for today up to this far ahead, never for the past
CONSOLE_FOOTNOTE = "Parents of absent students are told once, after you submit."


@console_page(*STAFF)
async def classes(request: Request, c: Console) -> Response:
    deps = get_deps(request)
    tz_name = deps.settings.timezone
    today = deps.db.clock.now().astimezone(zone(tz_name, "UTC")).date()
    params = request.query_params
    day = iso_date(params.get("date"), today)
    batch_id = optional_id(params.get("batch_id"), "batch")
    batches = await run(batch_queries.list_batches, uow_of(request, True), c.actor)
    mine = {b.id for b in batches}
    if batch_id is not None and batch_id not in mine:
        if c.is_admin:
            raise NotFound("No such batch.")
        raise Forbidden("This batch is not one of yours.")
    if today <= day <= today + timedelta(days=AHEAD_DAYS):
        # Past days are left as the scheduler made them: a session made now for a past day would be "missed".
        if batch_id is not None or not c.is_admin:
            for b in sorted({batch_id} if batch_id is not None else mine):
                await run(schedule.ensure_sessions, uow_of(request), day, day, tz_name, b)
        else:
            await run(schedule.ensure_sessions, uow_of(request), day, day, tz_name)
    sessions = await run(att_queries.sessions_for_teacher, uow_of(request, True), c.actor, day)
    if batch_id is not None:
        sessions = [(cs, name) for cs, name in sessions if cs.batch_id == batch_id]
    keep = {"batch_id": batch_id} if batch_id is not None else {}
    return page(request, c, "admin/classes.html", {
        "batches": batches, "batch_id": batch_id, "day": day, "today": today, "sessions": sessions,
        "org_tz": zone(tz_name, "UTC"),
        "prev": urlencode({**keep, "date": (day - timedelta(days=1)).isoformat()}),
        "next": urlencode({**keep, "date": (day + timedelta(days=1)).isoformat()})})


@console_page(*STAFF, back="/admin/classes")
async def class_sheet(request: Request, c: Console) -> Response:
    deps = get_deps(request)
    sheet = await run(att_sheet.sheet, uow_of(request, True), c.actor, path_id(request))
    flash = "Attendance submitted." if request.query_params.get("m") == "submitted" else None
    context = sheet_context(sheet, zone(None, deps.settings.timezone), c.csrf,
                            action=f"/admin/classes/{sheet.session_id}/submit", footnote=CONSOLE_FOOTNOTE)
    back = "/admin/classes?" + urlencode({"batch_id": sheet.batch_id, "date": sheet.on_date.isoformat()})
    return with_sheet_styles(page(request, c, "admin/class_sheet.html", {
        **context, "flash": flash, "back": back}))


@console_page(*STAFF, back="/admin/classes")
async def class_submit(request: Request, c: Console) -> Response:
    session_id = path_id(request)
    try:
        marks = parse_marks(c.form or {})
    except FormRefused as exc:
        raise InvalidInput(exc.message) from None
    result = await run(att_sheet.submit, uow_of(request), c.actor, session_id, marks)
    if not result.changed:  # submitted meanwhile (in Telegram or another tab): these marks were not saved
        raise IllegalTransition(f"This class was submitted already, so these marks were not saved. "
                                f"{result.message}")
    return RedirectResponse(f"/admin/classes/{session_id}?m=submitted", 303)


routes = [
    Route("/admin/classes", classes, methods=["GET"], name="admin_classes"),
    Route("/admin/classes/{id}", class_sheet, methods=["GET"]),
    Route("/admin/classes/{id}/submit", class_submit, methods=["POST"]),
]
