"""People in the console (admins): the list and its filters, invitations, status, role, parent links,
the CSV export and the CSV import (preview, then apply)."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from domain.errors import InvalidInput
from domain.models import PersonStatus, Role
from domain.people import csv_import
from domain.people import queries as people_queries
from domain.people import services as people
from domain.people.queries import PeopleFilter
from domain.perms.catalogue import PEOPLE_MANAGE
from web.console import (
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
from web.forms import bounded, parse_choice, parse_id, path_id
from web.pages import NO_STORE


@console_page(perm=PEOPLE_MANAGE)
async def people_list(request: Request, c: Console) -> Response:
    """People, filtered (admins)."""
    params = request.query_params
    f = PeopleFilter(search=bounded(params.get("q"), 100), role=parse_choice(Role, params.get("role")),
                     status=parse_choice(PersonStatus, params.get("status")))
    rows = await run(people_queries.list_people, uow_of(request), c.actor, f)
    choices = await run(people_queries.person_choices, uow_of(request, True), c.actor)
    return page(request, c, "admin/people.html", {
        "rows": rows, "f": f, "roles": list(Role), "statuses": list(PersonStatus),
        "parents": [(i, n) for i, n, r in choices if r == Role.PARENT],
        "children": [(i, n) for i, n, r in choices if r != Role.PARENT],
        "flash": flash_message(request), "error": None, "invite": {"name": "", "phone": "", "role": "student",
                                                            "timezone": ""}})


@console_page(perm=PEOPLE_MANAGE, back="/admin/people")
async def people_invite(request: Request, c: Console) -> Response:
    """Add a person and show their invite."""
    deps = get_deps(request)
    values = {k: bounded(c.field(k), 200, strip=True) for k in ("name", "phone", "role", "timezone")}
    try:
        result = await run(people.add_person, uow_of(request), c.actor, name=values["name"],
                           phone=values["phone"], role=values["role"], timezone=values["timezone"] or None,
                           region=deps.settings.phone_region)
    except InvalidInput as exc:
        rows = await run(people_queries.list_people, uow_of(request, True), c.actor)
        choices = await run(people_queries.person_choices, uow_of(request, True), c.actor)
        return page(request, c, "admin/people.html", {
            "rows": rows, "f": PeopleFilter(), "roles": list(Role), "statuses": list(PersonStatus),
            "parents": [(i, n) for i, n, r in choices if r == Role.PARENT],
            "children": [(i, n) for i, n, r in choices if r != Role.PARENT],
            "flash": None, "error": exc.message, "invite": values}, 422)
    return see_other(f"/admin/people/{result.person.id}/invite")


@console_page(perm=PEOPLE_MANAGE, back="/admin/people")
async def people_invite_link(request: Request, c: Console) -> Response:
    """A person's invite link and /start text."""
    deps = get_deps(request)
    person_id = path_id(request)
    token = await run(people_queries.invite_token, uow_of(request, True), c.actor, person_id,
                      deps.settings.secret_keys)
    rows = await run(people_queries.list_people, uow_of(request, True), c.actor)
    person = next((p for p in rows if p.id == person_id), None)
    bot = deps.bot_username
    return page(request, c, "admin/invite.html", {
        "person": person, "token": token, "start_text": f"/start {token}",
        "tme": f"https://t.me/{bot}?start={token}" if bot else None, "flash": None})


@console_page(perm=PEOPLE_MANAGE, back="/admin/people")
async def people_status(request: Request, c: Console) -> Response:
    """Change a person's status."""
    status = parse_choice(PersonStatus, c.field("status"))
    if status is None:
        raise InvalidInput("Choose a status.")
    await run(people.set_status, uow_of(request), c.actor, path_id(request), status)
    return RedirectResponse(with_mark(back_to(c.field("back"), "/admin/people"), "status"), 303)


@console_page(perm=PEOPLE_MANAGE, back="/admin/people")
async def people_role(request: Request, c: Console) -> Response:
    """Change a person's role."""
    await run(people.set_role, uow_of(request), c.actor, path_id(request), c.field("role"))
    return RedirectResponse(with_mark(back_to(c.field("back"), "/admin/people"), "role"), 303)


@console_page(perm=PEOPLE_MANAGE, back="/admin/people")
async def people_link_parent(request: Request, c: Console) -> Response:
    """Link a parent to a child."""
    parent_id, child_id = parse_id(c.field("parent_id")), parse_id(c.field("child_id"))
    if parent_id is None or child_id is None:
        raise InvalidInput("Choose a parent and a child.")
    await run(people.link_parent, uow_of(request), c.actor, parent_id, child_id)
    return see_other("/admin/people", m="parent")


@console_page(perm=PEOPLE_MANAGE)
async def people_export(request: Request, c: Console) -> Response:
    """Everyone as CSV."""
    text = await run(people_queries.export_people_csv, uow_of(request), c.actor)
    return Response(text, media_type="text/csv; charset=utf-8", headers={
        **NO_STORE, "content-disposition": 'attachment; filename="taskbell-people.csv"'})


@console_page(perm=PEOPLE_MANAGE)
async def import_form(request: Request, c: Console) -> Response:
    """The CSV import form."""
    return page(request, c, "admin/import.html", {"preview": None, "csv_text": "", "error": None,
                                                  "flash": None})


MAX_UPLOAD = csv_import.MAX_BYTES


async def _csv_text(c: Console) -> str:
    """The posted CSV: the uploaded file (UTF-8, at most MAX_UPLOAD bytes) or the pasted text."""
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


@console_page(perm=PEOPLE_MANAGE, back="/admin/people/import")
async def import_submit(request: Request, c: Console) -> Response:
    """Preview or apply a CSV import."""
    deps = get_deps(request)
    region = deps.settings.phone_region
    try:
        text = await _csv_text(c)
        if c.field("step") == "apply":
            result = await run(csv_import.apply, uow_of(request), c.actor, text, region)
            return see_other("/admin/people", m="imported", added=result.added, updated=result.updated,
                             skipped=result.skipped)
        preview = await run(csv_import.preview, uow_of(request, True), c.actor, text, region)
    except InvalidInput as exc:
        return page(request, c, "admin/import.html", {"preview": None, "csv_text": "", "error": exc.message,
                                                      "flash": None}, 422)
    return page(request, c, "admin/import.html", {"preview": preview, "csv_text": text, "error": None,
                                                  "flash": None})


routes = [
    Route("/admin/people", people_list, methods=["GET"], name="admin_people"),
    Route("/admin/people.csv", people_export, methods=["GET"]),
    Route("/admin/people/invite", people_invite, methods=["POST"]),
    Route("/admin/people/import", import_form, methods=["GET"]),
    Route("/admin/people/import", import_submit, methods=["POST"]),
    Route("/admin/people/link-parent", people_link_parent, methods=["POST"]),
    Route("/admin/people/{id}/invite", people_invite_link, methods=["GET"]),
    Route("/admin/people/{id}/status", people_status, methods=["POST"]),
    Route("/admin/people/{id}/role", people_role, methods=["POST"]),
]
