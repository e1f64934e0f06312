"""A person's permissions in the console (people.manage): grant, revoke or return to the role's default."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.perms import services as perms
from domain.perms.catalogue import PEOPLE_MANAGE
from web.console import (
    Console,
    console_page,
    flash_message,
    page,
    run,
    see_other,
    uow_of,
)
from web.forms import bounded, path_id


@console_page(perm=PEOPLE_MANAGE, back="/admin/people")
async def person_permissions(request: Request, c: Console) -> Response:
    """A person's permissions: held by role, granted or revoked."""
    data = await run(perms.person_permissions, uow_of(request, True), c.actor, path_id(request))
    return page(request, c, "admin/permissions.html", {"p": data, "flash": flash_message(request)})


@console_page(perm=PEOPLE_MANAGE, back="/admin/people")
async def person_permission_set(request: Request, c: Console) -> Response:
    """Grant, revoke or reset one permission (audited)."""
    person_id = path_id(request)
    await run(perms.set_permission, uow_of(request), c.actor, person_id,
              bounded(c.field("permission"), 40, strip=True), bounded(c.field("change"), 10, strip=True))
    return see_other(f"/admin/people/{person_id}/permissions", m="permission")


routes = [
    Route("/admin/people/{id}/permissions", person_permissions, methods=["GET"]),
    Route("/admin/people/{id}/permissions", person_permission_set, methods=["POST"]),
]
