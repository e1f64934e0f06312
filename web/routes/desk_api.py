"""The service desk in the JSON API (/api/tickets): list (filtered, searched, paged), get, create, comment
and the transitions; the same domain services and visibility rule as the console and the bot. Its
operations join the API's table (web.routes.api) and so the OpenAPI document."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import replace
from functools import wraps
from typing import Any

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain import idempotency
from domain.actors import Actor
from domain.errors import DomainError
from domain.tickets import queries as ticket_queries
from domain.tickets import search
from domain.tickets import services as tickets
from domain.tickets.rows import TicketFilter, TicketResult, TicketSpec
from web.api_models import read_body, read_query
from web.auth import authenticate_request
from web.deps import get_deps
from web.desk_api_models import (
    CommentCreate,
    TicketChange,
    TicketChangeResult,
    TicketCreate,
    TicketDetailOut,
    TicketListPage,
    TicketListQuery,
    detail_data,
    result_data,
)
from web.errors import ApiError, domain_error_response, error_response
from web.forms import parse_id
from web.idempotency import REPLAYED, keyed
from web.openapi import Operation
from web.security import client_ip, user_agent

Handler = Callable[[Request], Awaitable[Response]]


def json_errors(handler: Handler) -> Handler:
    """Map ApiError and domain errors to the JSON error shape."""

    @wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as exc:
            return error_response(exc.status, exc.code, exc.message, exc.headers)
        except DomainError as exc:
            return domain_error_response(exc)

    return wrapped


async def _actor(request: Request) -> Actor:
    person = await authenticate_request(request)
    return Actor.api(person.id, client_ip(request), user_agent(request))


def _ticket_id(request: Request) -> int:
    value = parse_id(request.path_params["ticket_id"])
    if value is None:
        raise ApiError(404, "not_found", "No such ticket.")
    return value


async def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return await to_thread.run_sync(lambda: fn(*args, **kwargs))


def _json(model: type, data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(model.model_validate(data).model_dump(mode="json"), status)


def _answer(status: int) -> Callable[[TicketResult], tuple[int, dict[str, Any]]]:
    return lambda result: (status, TicketChangeResult.model_validate(result_data(result)).model_dump(mode="json"))


async def _once(request: Request, actor: Actor, status: int, change: Callable[[], TicketResult]) -> Response:
    """Run a change at most once per Idempotency-Key (a replay gets the first answer again)."""
    once = await keyed(request, actor, TicketChangeResult, status)
    once = replace(once, answer=_answer(status)) if once is not None else None
    db = get_deps(request).db

    def use_case(o: idempotency.Once | None) -> TicketResult:
        result = change()
        if o is not None:
            with suppress(idempotency.KeyInProgress):  # a retry took over an old claim; this answer stands
                idempotency.complete(db.uow(), o, *o.answer(result))
        return result

    outcome = await to_thread.run_sync(idempotency.perform, db, once, use_case)
    if isinstance(outcome, idempotency.Stored):
        return JSONResponse(outcome.answer, outcome.status, headers={REPLAYED: "true"})
    return _json(TicketChangeResult, result_data(outcome), status)


@json_errors
async def list_tickets(request: Request) -> Response:
    """Tickets the caller may see, filtered, searched and paged."""
    actor = await _actor(request)
    q = read_query(TicketListQuery, request.query_params)
    filters = TicketFilter(team_id=q.team_id, statuses=(q.status,) if q.status else (), open_only=q.open,
                           priority=q.priority, assignee_id=q.assignee_id, requester_id=q.requester_id,
                           created_from=q.created_from, created_to=q.created_to, text=q.q or "")
    page = await _call(search.search_tickets, get_deps(request).db.uow(readonly=True), actor, filters,
                       limit=q.limit, offset=q.offset)
    return _json(TicketListPage, page)


@json_errors
async def get_ticket(request: Request) -> Response:
    """One ticket with its timeline (404 when the caller may not see it)."""
    actor = await _actor(request)
    detail = await _call(ticket_queries.get_ticket, get_deps(request).db.uow(readonly=True), actor,
                         _ticket_id(request))
    return _json(TicketDetailOut, detail_data(detail))


@json_errors
async def create_ticket(request: Request) -> Response:
    """File a request with a team as the caller."""
    actor = await _actor(request)
    body = read_body(TicketCreate, await request.body())
    spec = TicketSpec(team_id=body.team_id, title=body.title, description=body.description,
                      priority=body.priority, fields=body.fields)
    return await _once(request, actor, 201, lambda: tickets.file_ticket(get_deps(request).db.uow(), actor, spec))


@json_errors
async def comment_ticket(request: Request) -> Response:
    """Comment on a ticket (or write an internal note, staff only)."""
    actor = await _actor(request)
    body = read_body(CommentCreate, await request.body())
    ticket_id = _ticket_id(request)
    return await _once(request, actor, 201, lambda: tickets.comment(
        get_deps(request).db.uow(), actor, ticket_id, body.text, body.internal))


def _change(verb: str, call: Callable[[Any, Actor, int, TicketChange], Any]) -> Handler:
    @json_errors
    async def handler(request: Request) -> Response:
        actor = await _actor(request)
        body = read_body(TicketChange, await request.body() or b"{}")
        ticket_id = _ticket_id(request)
        return await _once(request, actor, 200, lambda: call(get_deps(request).db.uow(), actor, ticket_id, body))

    handler.__name__ = f"{verb}_ticket"
    handler.__doc__ = f"{verb.title()} a ticket (domain.tickets.services.{verb})."
    return handler


TRANSITIONS: dict[str, tuple[Callable[[Any, Actor, int, TicketChange], Any], str]] = {
    "accept": (lambda u, a, t, b: tickets.accept(u, a, t, b.assignee_ids, b.due_at, b.note),
               "Accept a new ticket, optionally assigning people at once (leads and admins)."),
    "assign": (lambda u, a, t, b: tickets.assign(u, a, t, b.assignee_ids, b.due_at),
               "Add assignees: one task each (leads and admins)."),
    "reject": (lambda u, a, t, b: tickets.reject(u, a, t, b.reason or ""),
               "Reject a new ticket with a `reason` the requester reads (leads and admins)."),
    "resolve": (lambda u, a, t, b: tickets.resolve(u, a, t, b.note),
                "Resolve the ticket; open work is cancelled (leads and admins)."),
    "reopen": (lambda u, a, t, b: tickets.reopen(u, a, t, b.reason or ""),
               "Reopen done or resolved work with a `reason` (leads, admins, the requester)."),
    "cancel": (lambda u, a, t, b: tickets.cancel(u, a, t, b.reason),
               "Cancel an open ticket (the requester, leads and admins)."),
}

UNAUTHORISED = {401: "Missing or invalid API token."}
NOT_VISIBLE = {404: "No such ticket, or you may not see it."}
BODY = {413: "The body is too large.", 422: "The body is not valid."}

OPERATIONS = [
    Operation("GET", "/tickets", "listTickets",
              "Tickets you may see (admins all; team members their teams'; assignees, requesters and watchers "
              "theirs), filtered, searched and paged.", list_tickets, TicketListPage, "One page of tickets.",
              errors={400: "A query parameter is malformed.", **UNAUTHORISED}, query=TicketListQuery,
              name="api_tickets"),
    Operation("POST", "/tickets", "createTicket", "File a request with a team.", create_ticket,
              TicketChangeResult, "Filed.", status=201,
              errors={**UNAUTHORISED, 404: "No such team.", **BODY}, body=TicketCreate, idempotent=True),
    Operation("GET", "/tickets/{ticket_id}", "getTicket", "One ticket with its timeline and your actions.",
              get_ticket, TicketDetailOut, "The ticket.", errors={**UNAUTHORISED, **NOT_VISIBLE},
              path_params=("ticket_id",), name="api_ticket"),
    Operation("POST", "/tickets/{ticket_id}/comments", "commentTicket",
              "Comment on a ticket; `internal` notes are staff-only.", comment_ticket, TicketChangeResult,
              "Commented.", status=201, errors={**UNAUTHORISED, 403: "Only staff may write internal notes.",
                                                **NOT_VISIBLE, **BODY}, body=CommentCreate,
              path_params=("ticket_id",), idempotent=True),
    *(Operation("POST", f"/tickets/{{ticket_id}}/{verb}", f"{verb}Ticket", summary, _change(verb, call),
                TicketChangeResult, "The ticket after the change; `changed` is false when it was already so.",
                errors={**UNAUTHORISED, 403: "Your role on the ticket does not allow this.", **NOT_VISIBLE,
                        409: "The ticket's status does not allow this.", **BODY},
                body=TicketChange, path_params=("ticket_id",), idempotent=True)
      for verb, (call, summary) in TRANSITIONS.items()),
]
