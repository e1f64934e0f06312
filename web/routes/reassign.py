"""Reassigning a declined task in the console: the task with its reason and a choice of person."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import InvalidInput
from domain.tasks import decline
from web.console import STAFF, Console, console_page, page, run, see_other, uow_of
from web.forms import parse_id, path_id


@console_page(*STAFF)
async def reassign_form(request: Request, c: Console) -> Response:
    """The declined task, why it was declined, and the people it may go to instead."""
    view = await run(decline.reassign_view, uow_of(request, True), c.actor, path_id(request))
    return page(request, c, "admin/task_reassign.html", {"view": view, "error": None, "flash": None})


@console_page(*STAFF, back="/admin/tasks?status=declined")
async def reassign_submit(request: Request, c: Console) -> Response:
    """Give the declined task to the chosen person, back to the declined tasks."""
    person_id = parse_id(c.field("person_id"))
    if person_id is None:
        raise InvalidInput("Choose who should do it instead.")
    result = await run(decline.reassign_task, uow_of(request), c.actor, path_id(request), person_id)
    return see_other("/admin/tasks", assignment_id=result.declined.assignment_id, m="reassigned")


routes = [
    Route("/admin/tasks/{id}/reassign", reassign_form, methods=["GET"]),
    Route("/admin/tasks/{id}/reassign", reassign_submit, methods=["POST"]),
]
