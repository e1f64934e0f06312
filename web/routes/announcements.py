"""The console's announcements: a form with named targets (the actor's own batches; for broadcasters also
groups, teams and roles) and the list of past announcements with their recipients and delivered counts."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from domain.announcements import services as announcements
from web.console import STAFF, Console, console_page, page, run, uow_of
from web.forms import bounded


@console_page(*STAFF)
async def announcements_page(request: Request, c: Console) -> Response:
    """The form (targets by name) and the past announcements, newest first."""
    targets = await run(announcements.my_targets, uow_of(request, True), c.actor)
    rows = await run(announcements.list_posted, uow_of(request, True), c.actor)
    sent = request.query_params.get("sent", "")
    flash = f"Announcement on its way to {sent} people." if sent.isdigit() and len(sent) < 9 else None
    return page(request, c, "admin/announcements.html", {
        "targets": targets, "rows": rows, "flash": flash,
        "max_title": announcements.MAX_TITLE, "max_text": announcements.MAX_TEXT})


@console_page(*STAFF, back="/admin/announcements")
async def post(request: Request, c: Console) -> Response:
    """Post one announcement to the chosen target."""
    posted = await run(announcements.post, uow_of(request), c.actor, bounded(c.field("target"), 40, strip=True),
                       bounded(c.field("title"), announcements.MAX_TITLE + 200, strip=True),
                       bounded(c.field("text"), announcements.MAX_TEXT + 200, strip=True),
                       urgent=c.field("urgent") == "1")
    return RedirectResponse(f"/admin/announcements?sent={posted.recipients}", 303)


routes = [
    Route("/admin/announcements", announcements_page, methods=["GET"], name="admin_announcements"),
    Route("/admin/announcements", post, methods=["POST"]),
]
