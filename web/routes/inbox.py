"""The teacher's action inbox on the web: the same open items as /inbox in Telegram, resolved with the
same service (inbox_service.resolve_action) and a note."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from domain.errors import InvalidInput
from domain.inbox import services as inbox_service
from web.console import STAFF, Console, console_page, page, run, uow_of
from web.forms import bounded, path_id

KINDS = {"missed_session": "Missed class", "absence_streak": "Absence streak",
         "low_attendance": "Low attendance", "student_risk": "Student risk"}
RESOLVED = {"reviewed": "Marked as reviewed.", "notify_parent": "Resolved; the parents will be told.",
            "ignore": "Ignored."}


@console_page(*STAFF)
async def inbox(request: Request, c: Console) -> Response:
    """The signed-in teacher's open inbox items."""
    items = await run(inbox_service.open_actions, uow_of(request, True), c.actor)
    return page(request, c, "admin/inbox.html", {
        "items": items, "kinds": KINDS, "flash": RESOLVED.get(request.query_params.get("m", ""))})


@console_page(*STAFF, back="/admin/inbox")
async def resolve(request: Request, c: Console) -> Response:
    """Resolve one item: reviewed, notify the parents (with the note) or ignore."""
    action_id = path_id(request)
    resolution = c.field("resolution")
    if resolution not in inbox_service.RESOLUTIONS:
        raise InvalidInput("Choose Reviewed, Notify parent or Ignore.")
    await run(inbox_service.resolve_action, uow_of(request), c.actor, action_id, resolution, bounded(c.field("note"), 1000))
    return RedirectResponse(f"/admin/inbox?m={resolution}", 303)


routes = [
    Route("/admin/inbox", inbox, methods=["GET"], name="admin_inbox"),
    Route("/admin/inbox/{id}/resolve", resolve, methods=["POST"]),
]
