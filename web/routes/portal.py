"""The read-only portal for students and parents: by a signed link (`/p/<token>`, sent by /portal) or a
signed-in session (`/portal`). GET only (any other method is 405): no form, nothing writes. The viewer
is the link's or session's person; a parent picks a child by position (`/child/2`), never by an id."""

from __future__ import annotations

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import DomainError
from domain.links import LinkExpired, LinkInvalid
from domain.people import services as people
from domain.portal import links as portal_links
from domain.portal import views
from web.deps import get_deps
from web.errors import status_for
from web.pages import refusal, render, zone
from web.session import current_session

MAX_POSITION = 99


def _position(request: Request) -> int | None:
    """The child's position from the path (1 to 99), None when absent; anything else is no page."""
    raw = request.path_params.get("pos")
    if raw is None:
        return None
    if not (isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 2 and int(raw) >= 1):
        return 0  # refused by the view as "no such child"
    return int(raw)


async def _show(request: Request, person_id: int, base: str) -> Response:
    """The page for `person_id`, the link or session's person, at the chosen child."""
    deps = get_deps(request)
    position = _position(request)
    try:
        view = await to_thread.run_sync(views.portal, deps.db.uow(readonly=True), person_id, position)
    except DomainError as exc:
        return refusal(request, status_for(exc), exc.message, back_url=base if position else None,
                       back_label="Back", hint=False)
    return render(request, "portal.html", {"view": view, "base": base,
                                           "tz": zone(view.timezone, deps.settings.timezone)})


async def by_link(request: Request) -> Response:
    """The portal behind a signed link: genuine, made for the portal, fresh and not revoked."""
    deps = get_deps(request)
    token = request.path_params["token"]
    try:
        person_id, generation = portal_links.portal_claims(deps.links, token, deps.db.clock.now())
        await to_thread.run_sync(people.check_link_generation, deps.db.uow(readonly=True), person_id, generation)
    except (LinkInvalid, LinkExpired) as exc:
        return refusal(request, status_for(exc), exc.message + " Send /portal to the bot for a new link.",
                       hint=False)
    return await _show(request, person_id, f"/p/{token}")


async def by_session(request: Request) -> Response:
    """The portal of the signed-in student or parent."""
    info = await current_session(request)
    if info is None:
        return refusal(request, 401, "Sign in first, or send /portal to the bot for a link.",
                       back_url="/login", back_label="Sign in", hint=False)
    return await _show(request, info.person.id, "/portal")


routes = [
    Route("/p/{token}", by_link, methods=["GET"], name="portal_link"),
    Route("/p/{token}/child/{pos}", by_link, methods=["GET"]),
    Route("/portal", by_session, methods=["GET"], name="portal"),
    Route("/portal/child/{pos}", by_session, methods=["GET"]),
]
