"""A requester's tickets behind a signed link (domain.tickets.links; no sign-in, as the dashboard):
their requests with the public timeline and photos, and a comment form that takes photos too. GET shows; only POSTs (CSRF-checked) change."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from domain.actors import Actor
from domain.errors import DomainError, Forbidden
from domain.links import LinkExpired, LinkInvalid
from domain.people import services as people
from domain.tickets import links as desk_links
from domain.tickets import queries as ticket_queries
from domain.tickets import services as tickets
from domain.tickets import web_queries
from domain.tickets.rows import TicketFilter, TicketScope, status_text
from web.deps import get_deps
from web.desk_files import file_links, forget, kept_uploads
from web.errors import status_for
from web.forms import bounded, path_id
from web.pages import refusal, render, zone
from web.security import client_ip, csrf_token, csrf_valid, is_same_origin, user_agent

Handler = Callable[[Request], Awaitable[Response]]
LISTED = 50
FLASH = {"commented": "Your comment was added.", "unchanged": "Nothing changed."}


def _base(request: Request) -> str:
    return f"/r/{request.path_params['token']}"


def link_errors(handler: Handler) -> Handler:
    """Domain refusals as a plain page (a bad link has nowhere to go back to)."""

    @wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except DomainError as exc:
            back = None if isinstance(exc, LinkInvalid | LinkExpired | Forbidden) else _base(request)
            return refusal(request, status_for(exc), exc.message, back_url=back, back_label="Back to your requests")

    return wrapped


async def _actor(request: Request) -> Actor:
    """The link's person as the actor, if the link is genuine, fresh and not revoked."""
    deps = get_deps(request)
    person_id, generation = desk_links.requester_claims(deps.links, request.path_params["token"],
                                                        deps.db.clock.now())
    await to_thread.run_sync(people.check_link_generation, deps.db.uow(readonly=True), person_id, generation)
    return Actor.web(person_id, client_ip(request), user_agent(request))


def _context(request: Request) -> dict[str, object]:
    deps = get_deps(request)
    return {"base": _base(request), "csrf": csrf_token(deps.settings.secret_keys, request.path_params["token"]),
            "tz": zone(None, deps.settings.timezone), "status_text": status_text,
            "flash": FLASH.get(request.query_params.get("m", ""))}


@link_errors
async def my_requests(request: Request) -> Response:
    """The person's own requests, newest first."""
    actor = await _actor(request)
    result = await to_thread.run_sync(lambda: ticket_queries.list_tickets(
        get_deps(request).db.uow(readonly=True), actor, TicketFilter(scope=TicketScope.REQUESTED), limit=LISTED))
    return render(request, "requests.html", {**_context(request), "result": result, "t": None, "links": {}, "files": {}})


@link_errors
async def my_request(request: Request) -> Response:
    """One of the person's requests with its public timeline and the comment form."""
    actor = await _actor(request)
    detail = await to_thread.run_sync(ticket_queries.get_ticket, get_deps(request).db.uow(readonly=True), actor,
                                      path_id(request, "ticket_id", "No such ticket."))
    return render(request, "requests.html", {**_context(request), "result": None, "t": detail,
                                             "links": file_links(get_deps(request), detail.attachments),
                                             "files": {a.id: a for a in detail.attachments},
                                             "names": {pid: name for pid, name, _task in detail.assignees}})


@link_errors
async def comment(request: Request) -> Response:
    """Add the person's comment to one of their requests (the team hears of it)."""
    deps = get_deps(request)
    actor = await _actor(request)
    if not is_same_origin(request, deps.settings):
        return refusal(request, 403, "This form was sent from another site; nothing was changed.",
                       title="Refused", back_url=_base(request))
    form = await request.form()
    given = form.get("csrf")
    if not csrf_valid(deps.settings.secret_keys, request.path_params["token"], given if isinstance(given, str) else None):
        return refusal(request, 403, "This form is out of date; nothing was changed. Open the page again and retry.",
                       title="Refused", back_url=_base(request))
    ticket_id = path_id(request, "ticket_id", "No such ticket.")
    text = form.get("text")
    uploads = form.getlist("photo")
    kinds = await to_thread.run_sync(web_queries.file_kinds, deps.db.uow(readonly=True), actor, ticket_id) \
        if uploads else frozenset()
    kept = await kept_uploads(deps, uploads, kinds)
    try:
        result = await to_thread.run_sync(tickets.comment, deps.db.uow(), actor, ticket_id,
                                          bounded(text if isinstance(text, str) else "", 4000), False, kept)
    except DomainError:
        await to_thread.run_sync(forget, deps, kept)
        raise
    return RedirectResponse(f"{_base(request)}/tickets/{ticket_id}?m={'commented' if result.changed else 'unchanged'}",
                            303)


routes = [
    Route("/r/{token}", my_requests, methods=["GET"], name="requests"),
    Route("/r/{token}/tickets/{ticket_id}", my_request, methods=["GET"]),
    Route("/r/{token}/tickets/{ticket_id}/comment", comment, methods=["POST"]),
]
