"""The Delivery page in the console (admins): notifications that did not arrive, and Retry."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import NotFound
from domain.ops import delivery, delivery_email
from domain.perms.catalogue import DELIVERY_MANAGE
from web.console import Console, console_page, page, run, see_other, uow_of
from web.forms import parse_id


def _flash(request: Request) -> str | None:
    """The message after a retry (?m=retried, or ?m=retried_all&n=<count>)."""
    code = request.query_params.get("m")
    if code == "retried":
        return "Sent back to the outbox: it goes out in a moment."
    if code == "retried_all":
        n = parse_id(request.query_params.get("n")) or 0
        return (f"{n} notification{'' if n == 1 else 's'} sent back to the outbox." if n
                else "Nothing to retry.")
    return None


@console_page(perm=DELIVERY_MANAGE)
async def delivery_page(request: Request, c: Console) -> Response:
    """Failed, dead-lettered and unreachable notifications with their reasons (admins)."""
    data = await run(delivery.overview, uow_of(request, True), c.actor)
    email = await run(delivery_email.email_overview, uow_of(request, True), c.actor)
    return page(request, c, "admin/delivery.html", {"data": data, "email": email, "flash": _flash(request)})


@console_page(perm=DELIVERY_MANAGE, back="/admin/delivery")
async def retry_one(request: Request, c: Console) -> Response:
    """Retry one notification (admins)."""
    notification_id = parse_id(request.path_params.get("notification_id"))
    if notification_id is None:
        raise NotFound("There is no such notification.")
    await run(delivery.retry, uow_of(request), c.actor, notification_id)
    return see_other("/admin/delivery", m="retried")


@console_page(perm=DELIVERY_MANAGE, back="/admin/delivery")
async def retry_all(request: Request, c: Console) -> Response:
    """Retry every failed, dead and unreachable notification (admins)."""
    n = await run(delivery.retry_all, uow_of(request), c.actor)
    return see_other("/admin/delivery", m="retried_all", n=n or "0")


routes = [
    Route("/admin/delivery", delivery_page, methods=["GET"], name="admin_delivery"),
    Route("/admin/delivery/retry", retry_all, methods=["POST"]),
    Route("/admin/delivery/{notification_id}/retry", retry_one, methods=["POST"]),
]
