"""Email action links (/e/<token>): GET shows what will happen and a button, changing nothing (mail
scanners fetch links); the POST does what the Telegram button does, once."""

from __future__ import annotations

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain import email_actions
from domain.email_actions import ActionClaims
from domain.errors import DomainError
from web.deps import get_deps
from web.errors import status_for
from web.pages import refusal, render
from web.security import client_ip, csrf_token, csrf_valid, is_same_origin


async def _claims(request: Request) -> ActionClaims:
    """The link's claims, if genuine, fresh and not revoked."""
    deps = get_deps(request)
    claims = email_actions.action_claims(deps.links, request.path_params["token"][:600], deps.db.clock.now())
    await to_thread.run_sync(email_actions.check, deps.db.uow(readonly=True), claims.person_id, claims.generation)
    return claims


def _page(request: Request, preview: email_actions.ActionPreview, outcome: str | None, status: int = 200
          ) -> Response:
    deps = get_deps(request)
    token = request.path_params["token"]
    return render(request, "email/action.html", {
        "p": preview, "outcome": outcome, "action": f"/e/{token}",
        "csrf": csrf_token(deps.settings.secret_keys, token)}, status)


async def confirm(request: Request) -> Response:
    """The confirmation page of an email link: what the button will do (a GET changes nothing)."""
    deps = get_deps(request)
    try:
        claims = await _claims(request)
        preview = await to_thread.run_sync(email_actions.preview, deps.db.uow(readonly=True), claims)
    except DomainError as exc:
        return refusal(request, status_for(exc), exc.message, back_url=None)
    return _page(request, preview, None)


async def act(request: Request) -> Response:
    """Do the link's action once, through the same service as the Telegram button."""
    deps = get_deps(request)
    token = request.path_params["token"]
    if not is_same_origin(request, deps.settings):
        return refusal(request, 403, "This form was sent from another site; nothing was changed.", title="Refused")
    form = await request.form(max_fields=10, max_files=0)
    given = form.get("csrf")
    if not csrf_valid(deps.settings.secret_keys, token, given if isinstance(given, str) else None):
        return refusal(request, 403, "This form is out of date; nothing was changed. Open the link again.",
                       title="Refused")
    try:
        claims = await _claims(request)
        outcome = await to_thread.run_sync(email_actions.perform, deps.db.uow(), claims, client_ip(request))
        preview = await to_thread.run_sync(email_actions.preview, deps.db.uow(readonly=True), claims)
    except DomainError as exc:
        return refusal(request, status_for(exc), exc.message, back_url=None)
    message = outcome.message if outcome.changed else f"Nothing changed: {outcome.message[:1].lower()}{outcome.message[1:]}"
    return _page(request, preview, message)


routes = [
    Route("/e/{token}", confirm, methods=["GET"], name="email_action"),
    Route("/e/{token}", act, methods=["POST"]),
]
