"""The admin console: people, groups, batches, tasks, insights and the audit log.

Admins see everything; teachers see their own groups, batches and assignments; other roles get 403.
GETs only read; every POST is same-origin- and CSRF-checked (web.console) and calls a domain service
that authorises the acting person again.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from anyio import to_thread
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from domain.attendance import batch_queries
from domain.errors import InvalidInput
from domain.groups import queries as group_queries
from domain.groups import services as groups
from domain.models import Channel, PersonStatus, Priority, Role, TaskStatus
from domain.ops import audit_log, insights
from domain.ops.audit_log import AuditQuery
from domain.people import csv_import, matching
from domain.people import queries as people_queries
from domain.people import services as people
from domain.people.queries import PeopleFilter
from domain.tasks import queries as task_queries
from domain.tasks import services as tasks
from domain.tasks import targets as task_targets
from domain.tasks.queries import TaskFilter
from web.charts import group_chart, trend_chart
from web.console import ADMIN_ONLY, STAFF, Console, console_page, page
from web.deps import get_deps
from web.forms import (
    bounded,
    day_start,
    local_datetime,
    optional_date,
    page_number,
    parse_choice,
    parse_id,
    parse_ids,
    path_id,
)
from web.pages import NO_STORE, zone

PAGE_SIZE = 50

FLASH = {
    "status": "Status changed.",
    "role": "Role changed.",
    "parent": "Parent linked.",
    "group_created": "Group created.",
    "group_deleted": "Group deleted.",
    "members_added": "Members added.",
    "member_removed": "Member removed.",
    "assigned": "Assigned.",
    "cancelled": "Cancelled.",
    "unchanged": "Nothing changed: it was already like that.",
}


# --- small helpers -------------------------------------------------------------------------

def _flash(request: Request) -> str | None:
    code = request.query_params.get("m", "")
    if code == "imported":
        counts = {k: parse_id(request.query_params.get(k)) or 0 for k in ("added", "updated", "skipped")}
        return (f"Imported: {counts['added']} added, {counts['updated']} updated, "
                f"{counts['skipped']} skipped because of errors.")
    return FLASH.get(code)


def _see_other(path: str, **query: object) -> RedirectResponse:
    q = {k: v for k, v in query.items() if v not in (None, "")}
    return RedirectResponse(path + (f"?{urlencode(q)}" if q else ""), 303)


def _back(raw: str, default: str) -> str:
    return raw if raw.startswith(default) and "//" not in raw and len(raw) < 1000 else default


def _with_mark(path: str, code: str) -> str:
    """`path` with its flash code replaced by `code`."""
    base, _, query = path.partition("?")
    kept = [part for part in query.split("&") if part and not part.startswith("m=")]
    return f"{base}?{'&'.join([*kept, f'm={code}'])}"


async def _run(fn: Any, *args: Any, **kwargs: Any) -> Any:
    return await to_thread.run_sync(lambda: fn(*args, **kwargs))


def _uow(request: Request, readonly: bool = False) -> Any:
    return get_deps(request).db.uow(readonly=readonly)


async def home(request: Request) -> Response:
    """The console opens on the task list."""
    return RedirectResponse("/admin/tasks", 303)


# --- people --------------------------------------------------------------------------------

@console_page(*ADMIN_ONLY)
async def people_list(request: Request, c: Console) -> Response:
    """People, filtered (admins)."""
    params = request.query_params
    f = PeopleFilter(search=bounded(params.get("q"), 100), role=parse_choice(Role, params.get("role")),
                     status=parse_choice(PersonStatus, params.get("status")))
    rows = await _run(people_queries.list_people, _uow(request, True), c.actor, f)
    choices = await _run(people_queries.person_choices, _uow(request, True), c.actor)
    return page(request, c, "admin/people.html", {
        "rows": rows, "f": f, "roles": list(Role), "statuses": list(PersonStatus),
        "parents": [(i, n) for i, n, r in choices if r == Role.PARENT],
        "children": [(i, n) for i, n, r in choices if r != Role.PARENT],
        "flash": _flash(request), "error": None, "invite": {"name": "", "phone": "", "role": "student",
                                                            "timezone": ""}})


@console_page(*ADMIN_ONLY, back="/admin/people")
async def people_invite(request: Request, c: Console) -> Response:
    """Add a person and show their invite."""
    deps = get_deps(request)
    values = {k: bounded(c.field(k), 200, strip=True) for k in ("name", "phone", "role", "timezone")}
    try:
        result = await _run(people.add_person, _uow(request), c.actor, name=values["name"],
                            phone=values["phone"], role=values["role"], timezone=values["timezone"] or None,
                            region=deps.settings.phone_region)
    except InvalidInput as exc:
        rows = await _run(people_queries.list_people, _uow(request, True), c.actor)
        choices = await _run(people_queries.person_choices, _uow(request, True), c.actor)
        return page(request, c, "admin/people.html", {
            "rows": rows, "f": PeopleFilter(), "roles": list(Role), "statuses": list(PersonStatus),
            "parents": [(i, n) for i, n, r in choices if r == Role.PARENT],
            "children": [(i, n) for i, n, r in choices if r != Role.PARENT],
            "flash": None, "error": exc.message, "invite": values}, 422)
    return _see_other(f"/admin/people/{result.person.id}/invite")


@console_page(*ADMIN_ONLY, back="/admin/people")
async def people_invite_link(request: Request, c: Console) -> Response:
    """A person's invite link and /start text."""
    deps = get_deps(request)
    person_id = path_id(request)
    token = await _run(people_queries.invite_token, _uow(request, True), c.actor, person_id,
                       deps.settings.secret_keys)
    rows = await _run(people_queries.list_people, _uow(request, True), c.actor)
    person = next((p for p in rows if p.id == person_id), None)
    bot = deps.bot_username
    return page(request, c, "admin/invite.html", {
        "person": person, "token": token, "start_text": f"/start {token}",
        "tme": f"https://t.me/{bot}?start={token}" if bot else None, "flash": None})


@console_page(*ADMIN_ONLY, back="/admin/people")
async def people_status(request: Request, c: Console) -> Response:
    """Change a person's status."""
    status = parse_choice(PersonStatus, c.field("status"))
    if status is None:
        raise InvalidInput("Choose a status.")
    await _run(people.set_status, _uow(request), c.actor, path_id(request), status)
    return RedirectResponse(_with_mark(_back(c.field("back"), "/admin/people"), "status"), 303)


@console_page(*ADMIN_ONLY, back="/admin/people")
async def people_role(request: Request, c: Console) -> Response:
    """Change a person's role."""
    await _run(people.set_role, _uow(request), c.actor, path_id(request), c.field("role"))
    return RedirectResponse(_with_mark(_back(c.field("back"), "/admin/people"), "role"), 303)


@console_page(*ADMIN_ONLY, back="/admin/people")
async def people_link_parent(request: Request, c: Console) -> Response:
    """Link a parent to a child."""
    parent_id, child_id = parse_id(c.field("parent_id")), parse_id(c.field("child_id"))
    if parent_id is None or child_id is None:
        raise InvalidInput("Choose a parent and a child.")
    await _run(people.link_parent, _uow(request), c.actor, parent_id, child_id)
    return _see_other("/admin/people", m="parent")


@console_page(*ADMIN_ONLY)
async def people_export(request: Request, c: Console) -> Response:
    """Everyone as CSV."""
    text = await _run(people_queries.export_people_csv, _uow(request, True), c.actor)
    return Response(text, media_type="text/csv; charset=utf-8", headers={
        **NO_STORE, "content-disposition": 'attachment; filename="taskbell-people.csv"'})


@console_page(*ADMIN_ONLY)
async def import_form(request: Request, c: Console) -> Response:
    """The CSV import form."""
    return page(request, c, "admin/import.html", {"preview": None, "csv_text": "", "error": None,
                                                  "flash": None})


MAX_UPLOAD = csv_import.MAX_BYTES


async def _csv_text(c: Console) -> str:
    upload = c.form.get("file") if c.form is not None else None
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read(MAX_UPLOAD + 1)
        if len(raw) > MAX_UPLOAD:
            raise InvalidInput(f"The file is larger than {MAX_UPLOAD // 1024} KiB; split it.")
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput("Save the file as CSV in UTF-8 and try again.") from None
    return c.field("csv_text")


@console_page(*ADMIN_ONLY, back="/admin/people/import")
async def import_submit(request: Request, c: Console) -> Response:
    """Preview or apply a CSV import."""
    deps = get_deps(request)
    region = deps.settings.phone_region
    try:
        text = await _csv_text(c)
        if c.field("step") == "apply":
            result = await _run(csv_import.apply, _uow(request), c.actor, text, region)
            return _see_other("/admin/people", m="imported", added=result.added, updated=result.updated,
                              skipped=result.skipped)
        preview = await _run(csv_import.preview, _uow(request, True), c.actor, text, region)
    except InvalidInput as exc:
        return page(request, c, "admin/import.html", {"preview": None, "csv_text": "", "error": exc.message,
                                                      "flash": None}, 422)
    return page(request, c, "admin/import.html", {"preview": preview, "csv_text": text, "error": None,
                                                  "flash": None})


# --- groups --------------------------------------------------------------------------------

@console_page(*STAFF)
async def groups_list(request: Request, c: Console) -> Response:
    """Groups the viewer may see."""
    rows = await _run(group_queries.list_groups, _uow(request, True), c.actor)
    return page(request, c, "admin/groups.html", {"rows": rows, "flash": _flash(request), "name": "",
                                                  "entries": "", "match": None})


@console_page(*STAFF, back="/admin/groups")
async def groups_new(request: Request, c: Console) -> Response:
    """Match entries to people, or create the group."""
    name, entries = bounded(c.field("name"), 200, strip=True), bounded(c.field("entries"), 20000)
    if c.field("step") == "create":
        ids = parse_ids(c.fields("person_id"))
        group = await _run(groups.create_group, _uow(request), c.actor, name, ids)
        return _see_other(f"/admin/groups/{group.id}", m="group_created")
    match = await _run(matching.match_people, _uow(request, True), c.actor, entries,
                       get_deps(request).settings.phone_region)
    rows = await _run(group_queries.list_groups, _uow(request, True), c.actor)
    return page(request, c, "admin/groups.html", {"rows": rows, "flash": None, "name": name,
                                                  "entries": entries, "match": match})


@console_page(*STAFF, back="/admin/groups")
async def group_show(request: Request, c: Console) -> Response:
    """One group and its members."""
    detail = await _run(group_queries.group_detail, _uow(request, True), c.actor, path_id(request))
    return page(request, c, "admin/group.html", {"g": detail, "flash": _flash(request), "entries": "",
                                                 "match": None})


@console_page(*STAFF, back="/admin/groups")
async def group_add(request: Request, c: Console) -> Response:
    """Match entries to people, or add them."""
    group_id = path_id(request)
    if c.field("step") == "add":
        ids = parse_ids(c.fields("person_id"))
        await _run(groups.add_members, _uow(request), c.actor, group_id, ids)
        return _see_other(f"/admin/groups/{group_id}", m="members_added")
    entries = bounded(c.field("entries"), 20000)
    detail = await _run(group_queries.group_detail, _uow(request, True), c.actor, group_id)
    match = await _run(matching.match_people, _uow(request, True), c.actor, entries,
                       get_deps(request).settings.phone_region)
    return page(request, c, "admin/group.html", {"g": detail, "flash": None, "entries": entries,
                                                 "match": match})


@console_page(*STAFF, back="/admin/groups")
async def group_remove(request: Request, c: Console) -> Response:
    """Remove a member."""
    group_id, person_id = path_id(request), path_id(request, "person_id")
    await _run(groups.remove_member, _uow(request), c.actor, group_id, person_id)
    return _see_other(f"/admin/groups/{group_id}", m="member_removed")


@console_page(*STAFF, back="/admin/groups")
async def group_delete(request: Request, c: Console) -> Response:
    """Delete a group (confirmed)."""
    if c.field("confirm") != "yes":
        raise InvalidInput("Tick the box to confirm that the group should be deleted.")
    await _run(group_queries.delete_group, _uow(request), c.actor, path_id(request))
    return _see_other("/admin/groups", m="group_deleted")


@console_page(*STAFF)
async def batches_list(request: Request, c: Console) -> Response:
    """Batches the viewer may see."""
    rows = await _run(batch_queries.list_batches, _uow(request, True), c.actor)
    return page(request, c, "admin/batches.html", {"rows": rows, "flash": None})


# --- tasks ---------------------------------------------------------------------------------

def _task_query(params: Any) -> TaskFilter:
    return TaskFilter(status=parse_choice(TaskStatus, params.get("status")), group_id=parse_id(params.get("group_id")),
                     assignee_id=parse_id(params.get("assignee_id")),
                     assignment_id=parse_id(params.get("assignment_id")),
                     overdue=params.get("overdue") == "1", text=bounded(params.get("q"), 100))


def _query_string(q: TaskFilter) -> dict[str, object]:
    return {k: v for k, v in {
        "status": q.status.value if q.status else None, "group_id": q.group_id, "assignee_id": q.assignee_id,
        "assignment_id": q.assignment_id, "overdue": "1" if q.overdue else None, "q": q.text}.items()
        if v not in (None, "")}


@console_page(*STAFF)
async def tasks_list(request: Request, c: Console) -> Response:
    """The tasks page: one filtered page of the tasks this viewer may see."""
    q = _task_query(request.query_params)
    page_no = page_number(request.query_params.get("page"))
    result = await _run(task_queries.search_tasks, _uow(request, True), c.actor, q, limit=PAGE_SIZE,
                        offset=(page_no - 1) * PAGE_SIZE)
    options = await _run(task_queries.task_filter_options, _uow(request, True), c.actor)
    qs = _query_string(q)
    return page(request, c, "admin/tasks.html", {
        "result": result, "q": q, "options": options, "statuses": list(TaskStatus), "page_no": page_no,
        "pages": max(1, -(-result.total // PAGE_SIZE)), "qs": urlencode(qs),
        "here": "/admin/tasks" + (f"?{urlencode({**qs, 'page': page_no})}"),
        "now": get_deps(request).db.clock.now(), "flash": _flash(request)})


@console_page(*STAFF)
async def tasks_export(request: Request, c: Console) -> Response:
    """The same tasks as CSV."""
    text = await _run(task_queries.tasks_csv, _uow(request, True), c.actor, _task_query(request.query_params))
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
    targets = await _run(task_targets.assignable_targets, _uow(request, True), c.actor)
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
        result = await _run(tasks.assign, _uow(request), c.actor, spec)
    except InvalidInput as exc:
        targets = await _run(task_targets.assignable_targets, _uow(request, True), c.actor)
        return page(request, c, "admin/task_new.html", _new_task_context(values, targets, exc.message), 422)
    return _see_other("/admin/tasks", assignment_id=result.assignment_id, m="assigned")


@console_page(*STAFF, back="/admin/tasks")
async def task_cancel(request: Request, c: Console) -> Response:
    """Cancel one task, back to the page it was cancelled from."""
    result = await _run(tasks.cancel_task, _uow(request), c.actor, path_id(request))
    back = _back(c.field("back"), "/admin/tasks")
    return RedirectResponse(_with_mark(back, "cancelled" if result.changed else "unchanged"), 303)


@console_page(*STAFF, back="/admin/tasks")
async def assignment_cancel(request: Request, c: Console) -> Response:
    """Cancel the unfinished tasks of an assignment."""
    assignment_id = path_id(request)
    await _run(tasks.cancel_assignment, _uow(request), c.actor, assignment_id)
    return _see_other("/admin/tasks", assignment_id=assignment_id, m="cancelled")


# --- insights ------------------------------------------------------------------------------

PERIODS = (7, 30, 90, 365)


def _period(params: Any, tz_name: str, now: datetime) -> tuple[datetime, datetime, int | None, str, str]:
    tz = zone(tz_name, "UTC")
    start_day, end_day = optional_date(params.get("from")), optional_date(params.get("to"))
    if start_day and end_day:
        start = datetime.combine(start_day, time(), tz).astimezone(UTC)
        end = datetime.combine(end_day + timedelta(days=1), time(), tz).astimezone(UTC)
        return start, end, None, start_day.isoformat(), end_day.isoformat()
    days = parse_id(params.get("days")) or 30
    days = days if days in PERIODS else 30
    today = now.astimezone(tz).date()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, time(), tz).astimezone(UTC)
    end = datetime.combine(today + timedelta(days=1), time(), tz).astimezone(UTC)
    return start, end, days, first.isoformat(), today.isoformat()


@console_page(*STAFF)
async def insights_page(request: Request, c: Console) -> Response:
    """Task insights over a period."""
    deps = get_deps(request)
    tz_name = c.person.timezone or deps.settings.timezone
    start, end, days, first, last = _period(request.query_params, tz_name, deps.db.clock.now())
    data = await _run(insights.insights, _uow(request, True), c.actor, start, end, zone(tz_name, "UTC").key)
    return page(request, c, "admin/insights.html", {
        "data": data, "days": days, "periods": PERIODS, "first": first, "last": last,
        "trend": trend_chart(data.trend), "bars": group_chart(data.by_group),
        "refresh_ms": int(max(deps.poll_seconds * 10, 1) * 1000), "flash": None})


# --- audit log -----------------------------------------------------------------------------

@console_page(*ADMIN_ONLY)
async def audit_page(request: Request, c: Console) -> Response:
    """The audit log, filtered and paged (admins)."""
    params = request.query_params
    deps = get_deps(request)
    tz = zone(c.person.timezone, deps.settings.timezone)

    q = AuditQuery(actor_id=parse_id(params.get("actor_id")), action=bounded(params.get("action"), 60),
                   channel=parse_choice(Channel, params.get("channel")), object_type=bounded(params.get("object"), 40),
                   since=day_start(params.get("since"), tz), until=day_start(params.get("until"), tz, 1))
    page_no = page_number(params.get("page"))
    result = await _run(audit_log.audit_log, _uow(request, True), c.actor, q, limit=100, offset=(page_no - 1) * 100)
    qs = {k: v for k, v in params.items() if k != "page" and v}
    return page(request, c, "admin/audit.html", {
        "result": result, "q": q, "channels": list(Channel), "since": params.get("since", ""),
        "until": params.get("until", ""), "page_no": page_no, "pages": max(1, -(-result.total // 100)),
        "qs": urlencode(qs), "flash": None})


routes = [
    Route("/admin", home, methods=["GET"], name="admin"),
    Route("/admin/people", people_list, methods=["GET"], name="admin_people"),
    Route("/admin/people.csv", people_export, methods=["GET"]),
    Route("/admin/people/invite", people_invite, methods=["POST"]),
    Route("/admin/people/import", import_form, methods=["GET"]),
    Route("/admin/people/import", import_submit, methods=["POST"]),
    Route("/admin/people/link-parent", people_link_parent, methods=["POST"]),
    Route("/admin/people/{id}/invite", people_invite_link, methods=["GET"]),
    Route("/admin/people/{id}/status", people_status, methods=["POST"]),
    Route("/admin/people/{id}/role", people_role, methods=["POST"]),
    Route("/admin/groups", groups_list, methods=["GET"], name="admin_groups"),
    Route("/admin/groups/new", groups_new, methods=["POST"]),
    Route("/admin/groups/{id}", group_show, methods=["GET"]),
    Route("/admin/groups/{id}/add", group_add, methods=["POST"]),
    Route("/admin/groups/{id}/remove/{person_id}", group_remove, methods=["POST"]),
    Route("/admin/groups/{id}/delete", group_delete, methods=["POST"]),
    Route("/admin/batches", batches_list, methods=["GET"]),
    Route("/admin/tasks", tasks_list, methods=["GET"], name="admin_tasks"),
    Route("/admin/tasks.csv", tasks_export, methods=["GET"]),
    Route("/admin/tasks/new", task_new_form, methods=["GET"]),
    Route("/admin/tasks/new", task_new_submit, methods=["POST"]),
    Route("/admin/tasks/{id}/cancel", task_cancel, methods=["POST"]),
    Route("/admin/assignments/{id}/cancel", assignment_cancel, methods=["POST"]),
    Route("/admin/insights", insights_page, methods=["GET"], name="admin_insights"),
    Route("/admin/audit", audit_page, methods=["GET"], name="admin_audit"),
]
