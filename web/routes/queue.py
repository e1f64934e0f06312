"""The operations queue in the console (/admin/queue): admins and team leads; filters, order and pages
in the query string; the page redraws itself every few seconds (queue.js)."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.models import OPEN_STATUSES, OPEN_TICKET_STATUSES, Priority, Role
from domain.queue import services as queue_service
from domain.queue.query import ItemType, QueueFilter, QueueSort
from web.console import Console, console_page, page, run, uow_of
from web.forms import parse_id

ROLES = (Role.ADMIN, Role.TEACHER, Role.MEMBER)  # the domain lets admins and team leads in
POLL_MS = 15000
STATUSES = sorted({s.value for s in (*OPEN_STATUSES, *OPEN_TICKET_STATUSES)})


def _choice(raw: str | None, kind: type) -> object | None:
    try:
        return kind(raw) if raw else None
    except ValueError:
        return None


def _filters(request: Request) -> tuple[QueueFilter, QueueSort, bool, int, bool]:
    """The query string as filters, order, offset and mode; unknown values are ignored."""
    q = request.query_params
    status = q.get("status") if q.get("status") in STATUSES else None
    offset = parse_id(q.get("offset", "")) or 0
    f = QueueFilter(status, _choice(q.get("priority"), Priority), _choice(q.get("type"), ItemType),  # type: ignore[arg-type]
                    parse_id(q.get("team_id", "")), parse_id(q.get("assignee_id", "")))
    sort = _choice(q.get("sort"), QueueSort) or QueueSort.BREACH
    return f, sort, q.get("desc") == "1", offset, q.get("mode") != "summary"  # type: ignore[return-value]


@console_page(*ROLES)
async def queue_page(request: Request, c: Console) -> Response:
    """The queue: summary and one page of open tickets and tasks."""
    f, sort, desc, offset, full = _filters(request)
    result = await run(queue_service.queue, uow_of(request, True), c.actor, f, sort=sort, desc=desc,
                       offset=offset, full=full, org_only=True)
    keep = {k: v for k, v in request.query_params.items() if k != "offset"}
    next_url = None if result.next_offset is None else \
        "/admin/queue?" + urlencode({**keep, "offset": result.next_offset})
    prev_url = None if offset == 0 else \
        "/admin/queue?" + urlencode({**keep, "offset": max(offset - result.limit, 0)})
    return page(request, c, "admin/queue.html", {
        "q": result, "f": f, "sort": sort.value, "desc": desc, "full": full, "statuses": STATUSES,
        "priorities": [p.value for p in Priority], "sorts": [s.value for s in QueueSort],
        "next_url": next_url, "prev_url": prev_url, "poll_ms": POLL_MS,
        "self_url": str(request.url.path) + ("?" + request.url.query if request.url.query else "")})


routes = [Route("/admin/queue", queue_page, methods=["GET"], name="queue")]
