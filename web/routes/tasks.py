"""Tasks in the console: the filtered, paged list (and its CSV), the new-task form, cancelling a task or
the open part of an assignment. The console opens here (/admin)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from domain.errors import InvalidInput
from domain.fees import summary as fee_summary
from domain.models import Priority, TaskStatus
from domain.tasks import queries as task_queries
from domain.tasks import services as tasks
from domain.tasks import targets as task_targets
from domain.tasks.queries import TaskFilter
from web.console import (
    STAFF,
    Console,
    back_to,
    console_page,
    flash_message,
    page,
    run,
    see_other,
    uow_of,
    with_mark,
)
from web.deps import get_deps
from web.forms import (
    bounded,
    local_datetime,
    page_number,
    parse_choice,
    parse_id,
    parse_ids,
    path_id,
)
from web.pages import NO_STORE, zone

PAGE_SIZE = 50


async def home(request: Request) -> Response:
    """The console opens on the task list."""
    return RedirectResponse("/admin/tasks", 303)


def _task_query(params: Any) -> TaskFilter:
    return TaskFilter(status=parse_choice(TaskStatus, params.get("status")), group_id=parse_id(params.get("group_id")),
                     assignee_id=parse_id(params.get("assignee_id")),
                     assignment_id=parse_id(params.get("assignment_id")),
                     overdue=params.get("overdue") == "1", awaiting_review=params.get("review") == "1",
                     text=bounded(params.get("q"), 100))


def _query_string(q: TaskFilter) -> dict[str, object]:
    return {k: v for k, v in {
        "status": q.status.value if q.status else None, "group_id": q.group_id, "assignee_id": q.assignee_id,
        "assignment_id": q.assignment_id, "overdue": "1" if q.overdue else None,
        "review": "1" if q.awaiting_review else None, "q": q.text}.items()
        if v not in (None, "")}


@console_page(*STAFF)
async def tasks_list(request: Request, c: Console) -> Response:
    """The tasks page: one filtered page of the tasks this viewer may see."""
    q = _task_query(request.query_params)
    page_no = page_number(request.query_params.get("page"))
    result = await run(task_queries.search_tasks, uow_of(request, True), c.actor, q, limit=PAGE_SIZE,
                       offset=(page_no - 1) * PAGE_SIZE)
    options = await run(task_queries.task_filter_options, uow_of(request, True), c.actor)
    qs = _query_string(q)
    return page(request, c, "admin/tasks.html", {
        "result": result, "q": q, "options": options, "statuses": list(TaskStatus), "page_no": page_no,
        "pages": max(1, -(-result.total // PAGE_SIZE)), "qs": urlencode(qs),
        "here": "/admin/tasks" + (f"?{urlencode({**qs, 'page': page_no})}"),
        "now": get_deps(request).db.clock.now(), "flash": flash_message(request),
        "fee_card": await run(fee_summary.fee_card, uow_of(request, True), c.actor)})


@console_page(*STAFF)
async def tasks_export(request: Request, c: Console) -> Response:
    """The same tasks as CSV."""
    text = await run(task_queries.tasks_csv, uow_of(request, True), c.actor, _task_query(request.query_params))
    return Response(text, media_type="text/csv; charset=utf-8", headers={
        **NO_STORE, "content-disposition": 'attachment; filename="taskbell-tasks.csv"'})


def _new_task_context(values: dict[str, Any], targets: list[task_targets.Target], error: str | None
                      ) -> dict[str, Any]:
    return {"v": values, "groups": [t for t in targets if t.kind == "group"],
            "people": [t for t in targets if t.kind == "person"], "priorities": list(Priority),
            "error": error, "flash": None}


@console_page(*STAFF)
async def task_new_form(request: Request, c: Console) -> Response:
    """The new-task form, offering the groups and people this viewer may assign to."""
    targets = await run(task_targets.assignable_targets, uow_of(request, True), c.actor)
    values = {"title": "", "description": "", "due": "", "priority": "normal", "review": False,
              "group_ids": [], "person_ids": []}
    return page(request, c, "admin/task_new.html", _new_task_context(values, targets, None))


@console_page(*STAFF, back="/admin/tasks/new")
async def task_new_submit(request: Request, c: Console) -> Response:
    """Assign the task from the form (one fan-out), or show the form again with the error."""
    deps = get_deps(request)
    group_ids = parse_ids(c.fields("group_id"))
    person_ids = parse_ids(c.fields("person_id"))
    values = {"title": c.field("title")[:300], "description": c.field("description")[:5000],
              "due": c.field("due")[:40], "priority": c.field("priority"), "review": c.field("review") == "1",
              "group_ids": group_ids, "person_ids": person_ids}
    try:
        spec = tasks.AssignmentSpec(
            title=values["title"], description=values["description"], person_ids=person_ids,
            group_ids=group_ids, due_at=local_datetime(values["due"], zone(c.person.timezone or deps.settings.timezone, "UTC")),
            priority=parse_choice(Priority, values["priority"]) or Priority.NORMAL, requires_review=values["review"])
        result = await run(tasks.assign, uow_of(request), c.actor, spec)
    except InvalidInput as exc:
        targets = await run(task_targets.assignable_targets, uow_of(request, True), c.actor)
        return page(request, c, "admin/task_new.html", _new_task_context(values, targets, exc.message), 422)
    return see_other("/admin/tasks", assignment_id=result.assignment_id, m="assigned")


@console_page(*STAFF, back="/admin/tasks")
async def task_cancel(request: Request, c: Console) -> Response:
    """Cancel one task, back to the page it was cancelled from."""
    result = await run(tasks.cancel_task, uow_of(request), c.actor, path_id(request))
    back = back_to(c.field("back"), "/admin/tasks")
    return RedirectResponse(with_mark(back, "cancelled" if result.changed else "unchanged"), 303)


@console_page(*STAFF, back="/admin/tasks")
async def assignment_cancel(request: Request, c: Console) -> Response:
    """Cancel the unfinished tasks of an assignment."""
    assignment_id = path_id(request)
    await run(tasks.cancel_assignment, uow_of(request), c.actor, assignment_id)
    return see_other("/admin/tasks", assignment_id=assignment_id, m="cancelled")


routes = [
    Route("/admin", home, methods=["GET"], name="admin"),
    Route("/admin/tasks", tasks_list, methods=["GET"], name="admin_tasks"),
    Route("/admin/tasks.csv", tasks_export, methods=["GET"]),
    Route("/admin/tasks/new", task_new_form, methods=["GET"]),
    Route("/admin/tasks/new", task_new_submit, methods=["POST"]),
    Route("/admin/tasks/{id}/cancel", task_cancel, methods=["POST"]),
    Route("/admin/assignments/{id}/cancel", assignment_cancel, methods=["POST"]),
]
