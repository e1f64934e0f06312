"""Groups in the console: admins see every group, teachers the groups they run; members are added by
pasting names or phones (matched first, then confirmed)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import InvalidInput
from domain.groups import queries as group_queries
from domain.groups import services as groups
from domain.people import matching
from web.console import STAFF, Console, console_page, flash_message, page, run, see_other, uow_of
from web.deps import get_deps
from web.forms import bounded, parse_ids, path_id


@console_page(*STAFF)
async def groups_list(request: Request, c: Console) -> Response:
    """Groups the viewer may see."""
    rows = await run(group_queries.list_groups, uow_of(request, True), c.actor)
    return page(request, c, "admin/groups.html", {"rows": rows, "flash": flash_message(request), "name": "",
                                                  "entries": "", "match": None})


@console_page(*STAFF, back="/admin/groups")
async def groups_new(request: Request, c: Console) -> Response:
    """Match entries to people, or create the group."""
    name, entries = bounded(c.field("name"), 200, strip=True), bounded(c.field("entries"), 20000)
    if c.field("step") == "create":
        ids = parse_ids(c.fields("person_id"))
        group = await run(groups.create_group, uow_of(request), c.actor, name, ids)
        return see_other(f"/admin/groups/{group.id}", m="group_created")
    match = await run(matching.match_people, uow_of(request, True), c.actor, entries,
                      get_deps(request).settings.phone_region)
    rows = await run(group_queries.list_groups, uow_of(request, True), c.actor)
    return page(request, c, "admin/groups.html", {"rows": rows, "flash": None, "name": name,
                                                  "entries": entries, "match": match})


@console_page(*STAFF, back="/admin/groups")
async def group_show(request: Request, c: Console) -> Response:
    """One group and its members."""
    detail = await run(group_queries.group_detail, uow_of(request, True), c.actor, path_id(request))
    return page(request, c, "admin/group.html", {"g": detail, "flash": flash_message(request), "entries": "",
                                                 "match": None})


@console_page(*STAFF, back="/admin/groups")
async def group_add(request: Request, c: Console) -> Response:
    """Match entries to people, or add them."""
    group_id = path_id(request)
    if c.field("step") == "add":
        ids = parse_ids(c.fields("person_id"))
        await run(groups.add_members, uow_of(request), c.actor, group_id, ids)
        return see_other(f"/admin/groups/{group_id}", m="members_added")
    entries = bounded(c.field("entries"), 20000)
    detail = await run(group_queries.group_detail, uow_of(request, True), c.actor, group_id)
    match = await run(matching.match_people, uow_of(request, True), c.actor, entries,
                      get_deps(request).settings.phone_region)
    return page(request, c, "admin/group.html", {"g": detail, "flash": None, "entries": entries,
                                                 "match": match})


@console_page(*STAFF, back="/admin/groups")
async def group_remove(request: Request, c: Console) -> Response:
    """Remove a member."""
    group_id, person_id = path_id(request), path_id(request, "person_id")
    await run(groups.remove_member, uow_of(request), c.actor, group_id, person_id)
    return see_other(f"/admin/groups/{group_id}", m="member_removed")


@console_page(*STAFF, back="/admin/groups")
async def group_delete(request: Request, c: Console) -> Response:
    """Delete a group (confirmed)."""
    if c.field("confirm") != "yes":
        raise InvalidInput("Tick the box to confirm that the group should be deleted.")
    await run(group_queries.delete_group, uow_of(request), c.actor, path_id(request))
    return see_other("/admin/groups", m="group_deleted")


routes = [
    Route("/admin/groups", groups_list, methods=["GET"], name="admin_groups"),
    Route("/admin/groups/new", groups_new, methods=["POST"]),
    Route("/admin/groups/{id}", group_show, methods=["GET"]),
    Route("/admin/groups/{id}/add", group_add, methods=["POST"]),
    Route("/admin/groups/{id}/remove/{person_id}", group_remove, methods=["POST"]),
    Route("/admin/groups/{id}/delete", group_delete, methods=["POST"]),
]
