"""Reopening a class from the console (admins): a submitted, closed or missed class opens again for
attendance, with a reason; the teachers are sent the sheet again (domain: att_sheet.reopen)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from domain.attendance import sheet as att_sheet
from domain.perms.catalogue import CLASSES_MANAGE
from web.console import Console, console_page, run, uow_of
from web.forms import bounded, path_id


@console_page(perm=CLASSES_MANAGE, back="/admin/classes")
async def class_reopen(request: Request, c: Console) -> Response:
    """Reopen a class with the reason given; back to its sheet."""
    session_id = path_id(request)
    await run(att_sheet.reopen, uow_of(request), c.actor, session_id, bounded(c.field("reason"), 500))
    return RedirectResponse(f"/admin/classes/{session_id}?m=reopened", 303)


routes = [Route("/admin/classes/{id}/reopen", class_reopen, methods=["POST"])]
