"""The personal dashboard behind a signed link: GET shows, only POSTs (CSRF-checked) change."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps

import anyio
from anyio import to_thread
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from domain import email_actions
from domain.actors import Actor
from domain.attendance import family
from domain.errors import DomainError, Forbidden
from domain.links import LinkExpired, LinkInvalid
from domain.people import services as people
from domain.portal.links import portal_token
from domain.tasks import dashboard as dashboard_service
from domain.tasks import decline
from domain.tasks import services as tasks
from domain.tickets import links as desk_links
from domain.tickets import web_queries
from web.deps import get_deps
from web.errors import domain_error_response, status_for
from web.forms import path_id
from web.page_cache import Page, PageCache
from web.pages import NO_STORE, refusal, render, zone
from web.security import client_ip, csrf_token, csrf_valid, is_same_origin, user_agent

Handler = Callable[[Request], Awaitable[Response]]

FLASH = {
    "started": "Started. Good luck!",
    "done": "Done. Well done!",
    "review": "Done, waiting for review.",
    "declined": "Declined. The person who assigned it has been told.",
    "unchanged": "Nothing changed: it was already like that.",
}

def html_errors(handler: Handler) -> Handler:
    """Turn domain refusals into a plain page with the matching status."""

    @wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except DomainError as exc:
            # A link or account refusal has no page to go back to; anything else has.
            back = None if isinstance(exc, LinkInvalid | LinkExpired | Forbidden) else _base_path(request)
            return refusal(request, status_for(exc), exc.message, back_url=back)

    return wrapped


def _base_path(request: Request) -> str:
    return f"/d/{request.path_params['token']}"


def _open_limit(request: Request) -> int:
    """How many open tasks to show: `?open=N` from OPEN_PAGE to OPEN_MAX; anything else is the default."""
    raw = request.query_params.get("open")
    if raw is None or not (raw.isascii() and raw.isdigit()) or len(raw) > 4:
        return dashboard_service.OPEN_PAGE
    value = int(raw)
    return value if dashboard_service.OPEN_PAGE <= value <= dashboard_service.OPEN_MAX \
        else dashboard_service.OPEN_PAGE


def _open_query(limit: int) -> str:
    """The query string that keeps a longer list across redraws and redirects ('' for the default)."""
    return "" if limit == dashboard_service.OPEN_PAGE else f"open={limit}"


async def _person_id(request: Request) -> int:
    """The link's person, if the link is genuine, fresh and not revoked (a newer generation)."""
    deps = get_deps(request)
    person_id, generation = deps.links.dashboard_claims(request.path_params["token"], deps.db.clock.now())
    await to_thread.run_sync(people.check_link_generation, deps.db.uow(readonly=True), person_id, generation)
    return person_id


def _channels_url(request: Request, person_id: int) -> str:
    """The person's channel settings page (a signed link of the same generation as this one)."""
    deps = get_deps(request)
    now = deps.db.clock.now()
    generation = deps.links.dashboard_claims(request.path_params["token"], now)[1]
    return f"/e/settings/{email_actions.sign_settings(deps.links, person_id, now, generation)}"


READERS = 2  # the dashboard's reads at once (bench row 4: 2 threads beat 40 on 2 cores, less GIL churn)


def _readers(request: Request) -> anyio.CapacityLimiter:
    """The dashboard's own small pool of reader threads, one per app (made on first use, in its loop)."""
    limiter = getattr(request.app.state, "dashboard_readers", None)
    if limiter is None:
        limiter = request.app.state.dashboard_readers = anyio.CapacityLimiter(READERS)
    return limiter


@html_errors
async def show(request: Request) -> Response:
    """The personal dashboard behind a signed link (kept for a few seconds while nothing it shows changed)."""
    deps = get_deps(request)
    token = request.path_params["token"]
    now = deps.db.clock.now()
    person_id, generation = deps.links.dashboard_claims(token, now)
    open_limit = _open_limit(request)
    flash = request.query_params.get("m", "")
    cache: PageCache = request.app.state.page_cache
    key = (token, open_limit, flash if flash in FLASH else "")
    kept = cache.get(key, now)

    def load() -> tuple[str, tuple[dashboard_service.Dashboard, family.FamilyView, bool] | None]:
        """Every read of the page in one worker thread (profiled: the hops cost more than the queries under
        load): the page's marker (which also refuses a revoked link), then the page unless it is kept."""
        marker = dashboard_service.page_marker(deps.db.uow(readonly=True), person_id, generation)
        if kept is not None and kept.marker == marker:
            return marker, None
        board = dashboard_service.person_dashboard(deps.db.uow(readonly=True), person_id, open_limit=open_limit)
        family_view = family.family_attendance(  # a parent's children (a student's own classes); else empty
            deps.db.uow(readonly=True), person_id, board.timezone or deps.settings.timezone)
        return marker, (board, family_view, web_queries.on_a_team(deps.db.uow(readonly=True), person_id))

    try:
        marker, fresh = await to_thread.run_sync(load, limiter=_readers(request))
        if fresh is None and kept is not None:
            return HTMLResponse(kept.body, headers=NO_STORE)
        assert fresh is not None
        return _page(request, cache, key, marker, fresh, open_limit, flash)
    finally:
        if kept is None:
            cache.built(key, None)  # nothing kept if building failed; a no-op after _page kept it


def _page(request: Request, cache: PageCache, key: tuple[str, int, str], marker: str,
          fresh: tuple[dashboard_service.Dashboard, family.FamilyView, bool], open_limit: int,
          flash: str) -> Response:
    """Render the dashboard and keep it under `key` with its marker."""
    deps = get_deps(request)
    token = request.path_params["token"]
    now = deps.db.clock.now()
    person_id, generation = deps.links.dashboard_claims(token, now)
    board, family_view, desk_staff = fresh
    keep = _open_query(open_limit)
    response = render(request, "dashboard.html", {
        "board": board,
        "family": family_view,
        "keep": f"?{keep}" if keep else "",
        "tz": zone(board.timezone, deps.settings.timezone),
        "csrf": csrf_token(deps.settings.secret_keys, token),
        "base_path": _base_path(request),
        "desk_staff": desk_staff,
        "requests_url": "/r/" + desk_links.requester_token(deps.links, person_id, now, generation),
        "flash": FLASH.get(flash),
        "poll_ms": int(deps.poll_seconds * 1000),
        "channels_url": _channels_url(request, person_id),
        "portal_url": "/p/" + portal_token(deps.links, person_id, now, generation)
        if family_view.children else None,  # students and parents: their read-only page
    })
    cache.built(key, Page(marker, now, bytes(response.body)))
    return response


async def state(request: Request) -> Response:
    """The change marker the page polls; JSON errors so the script can tell why it stopped."""
    deps = get_deps(request)
    try:  # one hop, one query: the link's generation, the person's status and the version together
        person_id, generation = deps.links.dashboard_claims(request.path_params["token"], deps.db.clock.now())
        version = (await to_thread.run_sync(dashboard_service.checked_version, deps.db.uow(readonly=True),
                                            person_id, generation, limiter=_readers(request)))[0]
    except DomainError as exc:
        return domain_error_response(exc, NO_STORE)
    return JSONResponse({"version": version}, headers={**NO_STORE, "etag": f'"{version}"'})


def _transition(action: str) -> Handler:
    service = {"start": tasks.start_task, "complete": tasks.complete_task, "decline": decline.decline_task}[action]

    @html_errors
    async def handler(request: Request) -> Response:
        deps = get_deps(request)
        person_id = await _person_id(request)
        token = request.path_params["token"]
        if not is_same_origin(request, deps.settings):
            return refusal(request, 403, "This form was sent from another site; nothing was changed.",
                           title="Refused", back_url=_base_path(request))
        form = await request.form()
        given = form.get("csrf")
        if not csrf_valid(deps.settings.secret_keys, token, given if isinstance(given, str) else None):
            return refusal(request, 403, "This form is out of date; nothing was changed. "
                           "Open the page again and retry.", title="Refused",
                           back_url=_base_path(request))
        task_id = path_id(request, "task_id", "No such task.")
        actor = Actor.web(person_id, client_ip(request), user_agent(request))
        reason = form.get("reason") if action == "decline" else None
        args = (task_id,) if action != "decline" else (task_id, reason if isinstance(reason, str) else "")
        result = await to_thread.run_sync(service, deps.db.uow(), actor, *args)
        if not result.changed:
            code = "unchanged"
        elif action in ("start", "decline"):
            code = "started" if action == "start" else "declined"
        else:
            code = "review" if result.task.requires_review else "done"
        keep = _open_query(_open_limit(request))
        return RedirectResponse(f"{_base_path(request)}?m={code}{'&' + keep if keep else ''}",
                                status_code=303)

    handler.__name__ = f"{action}_task"
    return handler


routes = [
    Route("/d/{token}", show, methods=["GET"], name="dashboard"),
    Route("/d/{token}/state", state, methods=["GET"], name="dashboard_state"),
    Route("/d/{token}/tasks/{task_id}/start", _transition("start"), methods=["POST"]),
    Route("/d/{token}/tasks/{task_id}/complete", _transition("complete"), methods=["POST"]),
    Route("/d/{token}/tasks/{task_id}/decline", _transition("decline"), methods=["POST"]),
]
