"""The audit log in the console (admins): who did what, filtered and paged."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.models import Channel
from domain.ops import audit_log
from domain.ops.audit_log import AuditQuery
from domain.perms.catalogue import AUDIT_READ
from web.console import Console, console_page, page, run, uow_of
from web.deps import get_deps
from web.forms import bounded, day_start, page_number, parse_choice, parse_id
from web.pages import zone


@console_page(perm=AUDIT_READ)
async def audit_page(request: Request, c: Console) -> Response:
    """The audit log, filtered and paged (admins)."""
    params = request.query_params
    deps = get_deps(request)
    tz = zone(c.person.timezone, deps.settings.timezone)

    q = AuditQuery(actor_id=parse_id(params.get("actor_id")), action=bounded(params.get("action"), 60),
                   channel=parse_choice(Channel, params.get("channel")), object_type=bounded(params.get("object"), 40),
                   since=day_start(params.get("since"), tz), until=day_start(params.get("until"), tz, 1))
    page_no = page_number(params.get("page"))
    result = await run(audit_log.audit_log, uow_of(request, True), c.actor, q, limit=100, offset=(page_no - 1) * 100)
    qs = {k: v for k, v in params.items() if k != "page" and v}
    return page(request, c, "admin/audit.html", {
        "result": result, "q": q, "channels": list(Channel), "since": params.get("since", ""),
        "until": params.get("until", ""), "page_no": page_no, "pages": max(1, -(-result.total // 100)),
        "qs": urlencode(qs), "flash": None})


routes = [
    Route("/admin/audit", audit_page, methods=["GET"], name="admin_audit"),
]
