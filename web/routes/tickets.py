"""Service-desk tickets in the console: the filtered, searched, paged list and its CSV; one ticket's page
with its timeline and the actions this viewer may take. Who sees what is the domain's one rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import DomainError
from domain.models import Priority, Role, TicketStatus
from domain.teams import queries as team_queries
from domain.tickets import queries as ticket_queries
from domain.tickets import search, web_queries
from domain.tickets import services as tickets
from domain.tickets.rows import TicketFilter, TicketResult, status_text
from web.console import Console, console_page, flash_message, page, run, see_other, uow_of
from web.deps import get_deps
from web.desk_files import file_links, forget, kept_uploads
from web.forms import (
    bounded,
    day_start,
    local_datetime,
    page_number,
    parse_choice,
    parse_id,
    parse_ids,
    path_id,
)
from web.pages import NO_STORE, zone

EVERYONE = tuple(Role)  # the domain decides which tickets each person sees
PAGE_SIZE = 50
CHANGES = {"accept", "assign", "reject", "resolve", "reopen", "cancel"}
FLASH = {"ticket_changed": "Done.", "filed": "Request filed."}


def _flash(request: Request) -> str | None:
    return FLASH.get(request.query_params.get("m", "")) or flash_message(request)


def ticket_filter(params: Any, tz: Any) -> TicketFilter:
    """The list's query string as a filter (unreadable values are ignored; dates are local days)."""
    status = parse_choice(TicketStatus, params.get("status"))
    return TicketFilter(
        team_id=parse_id(params.get("team_id")), statuses=(status,) if status else (),
        open_only=params.get("open") == "1", priority=parse_choice(Priority, params.get("priority")),
        assignee_id=parse_id(params.get("assignee_id")), requester_id=parse_id(params.get("requester_id")),
        created_from=day_start(params.get("from") or None, tz), created_to=day_start(params.get("to") or None, tz, 1),
        text=bounded(params.get("q"), 200, strip=True))


def query_string(params: Any) -> dict[str, str]:
    """The filter's own fields of the query string (for paging and the CSV link)."""
    keys = ("q", "team_id", "status", "open", "priority", "assignee_id", "requester_id", "from", "to")
    return {k: bounded(params.get(k), 200) for k in keys if params.get(k)}


def _tz(request: Request, c: Console) -> Any:
    return zone(c.person.timezone, get_deps(request).settings.timezone)


@console_page(*EVERYONE)
async def tickets_list(request: Request, c: Console) -> Response:
    """The tickets page: one filtered page of the tickets this viewer may see."""
    q = ticket_filter(request.query_params, _tz(request, c))
    page_no = page_number(request.query_params.get("page"))
    result = await run(search.search_tickets, uow_of(request, True), c.actor, q, limit=PAGE_SIZE,
                       offset=(page_no - 1) * PAGE_SIZE)
    options = await run(search.filter_options, uow_of(request, True), c.actor)
    qs = query_string(request.query_params)
    return page(request, c, "admin/tickets.html", {
        "result": result, "q": q, "v": qs, "options": options, "statuses": list(TicketStatus),
        "priorities": list(Priority), "page_no": page_no, "pages": max(1, -(-result.total // PAGE_SIZE)),
        "qs": urlencode(qs), "status_text": status_text, "flash": _flash(request)})


@console_page(*EVERYONE)
async def tickets_export(request: Request, c: Console) -> Response:
    """The same tickets as CSV."""
    q = ticket_filter(request.query_params, _tz(request, c))
    text = await run(search.tickets_csv, uow_of(request, True), c.actor, q)
    return Response(text, media_type="text/csv; charset=utf-8", headers={
        **NO_STORE, "content-disposition": 'attachment; filename="taskbell-tickets.csv"'})


@console_page(*EVERYONE, back="/admin/tickets")
async def ticket_show(request: Request, c: Console) -> Response:
    """One ticket: its fields, its timeline and the buttons for what this viewer may do."""
    detail = await run(ticket_queries.get_ticket, uow_of(request, True), c.actor, path_id(request))
    teams = await run(team_queries.list_teams, uow_of(request, True), c.actor)
    team = next((t for t in teams if t.id == detail.row.team_id), None)
    return page(request, c, "admin/ticket.html", {
        "t": detail, "crew": [(m.person_id, m.name) for m in team.members] if team else [],
        "labels": {f.key: f.label for f in team.fields} if team else {},
        "links": file_links(get_deps(request), detail.attachments), "files": {a.id: a for a in detail.attachments},
        "names": {pid: name for pid, name, _task in detail.assignees},
        "actions": {a.value for a in detail.actions}, "changes": bool({a.value for a in detail.actions} & CHANGES),
        "status_text": status_text, "flash": _flash(request)})


Service = Callable[[Request, Console, int], Any]


def _action(name: str, call: Service) -> Callable[..., Any]:
    @console_page(*EVERYONE, back="/admin/tickets")
    async def handler(request: Request, c: Console) -> Response:
        ticket_id = path_id(request)
        result: TicketResult = await call(request, c, ticket_id)
        return see_other(f"/admin/tickets/{ticket_id}", m="ticket_changed" if result.changed else "unchanged")

    handler.__name__ = f"ticket_{name}"
    handler.__doc__ = f"{name.title()} the ticket (domain.tickets.services.{name}), back to its page."
    return handler


def _due(request: Request, c: Console) -> Any:
    return local_datetime(bounded(c.field("due"), 40), _tz(request, c))


async def _accept(request: Request, c: Console, tid: int) -> TicketResult:
    return await run(tickets.accept, uow_of(request), c.actor, tid, parse_ids(c.fields("assignee_id")),
                     _due(request, c))


async def _assign(request: Request, c: Console, tid: int) -> TicketResult:
    return await run(tickets.assign, uow_of(request), c.actor, tid, parse_ids(c.fields("assignee_id")),
                     _due(request, c))


async def _reject(request: Request, c: Console, tid: int) -> TicketResult:
    return await run(tickets.reject, uow_of(request), c.actor, tid, bounded(c.field("reason"), 2000))


async def _comment(request: Request, c: Console, tid: int) -> TicketResult:
    deps = get_deps(request)
    uploads = c.form.getlist("photo") if c.form is not None else []
    kinds = await run(web_queries.file_kinds, uow_of(request, True), c.actor, tid) if uploads else frozenset()
    kept = await kept_uploads(deps, uploads, kinds)
    try:
        return await run(tickets.comment, uow_of(request), c.actor, tid, bounded(c.field("text"), 4000),
                         c.field("internal") == "1", kept)
    except DomainError:
        await run(forget, deps, kept)
        raise


async def _resolve(request: Request, c: Console, tid: int) -> TicketResult:
    return await run(tickets.resolve, uow_of(request), c.actor, tid, bounded(c.field("note"), 2000) or None)


async def _reopen(request: Request, c: Console, tid: int) -> TicketResult:
    return await run(tickets.reopen, uow_of(request), c.actor, tid, bounded(c.field("reason"), 2000))


async def _cancel(request: Request, c: Console, tid: int) -> TicketResult:
    return await run(tickets.cancel, uow_of(request), c.actor, tid, bounded(c.field("reason"), 2000) or None)


ACTIONS: dict[str, Service] = {"accept": _accept, "assign": _assign, "reject": _reject, "comment": _comment,
                               "resolve": _resolve, "reopen": _reopen, "cancel": _cancel}

routes = [
    Route("/admin/tickets", tickets_list, methods=["GET"], name="admin_tickets"),
    Route("/admin/tickets.csv", tickets_export, methods=["GET"]),
    Route("/admin/tickets/{id}", ticket_show, methods=["GET"]),
    *(Route(f"/admin/tickets/{{id}}/{name}", _action(name, call), methods=["POST"]) for name, call in ACTIONS.items()),
]
