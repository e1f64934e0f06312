"""A person's channel settings behind a signed link (/e/settings/<token>): per kind group Telegram, email
or both. The email footer and List-Unsubscribe point here; the one-click POST (RFC 8058) switches email
off for one group. A GET changes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps

from anyio import to_thread
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from domain import email_actions
from domain.actors import Actor
from domain.errors import DomainError, InvalidField
from domain.mail import channels
from web.deps import get_deps
from web.errors import status_for
from web.pages import refusal, render
from web.security import client_ip, csrf_token, csrf_valid, is_same_origin, user_agent

SAVED = "Saved. Your messages go the way you chose from now on."
VERIFY_MESSAGES = {  # ?m= codes the settings pages show after these forms
    "code_sent": "A code is on its way to the address: enter it below to verify the address.",
    "verified": "The address is verified: sign-in codes can go to it.",
    "verify_limit": "Too many codes were asked for. Wait an hour, then try again.",
    "verify_off": "Email is not configured here, so the address cannot be verified yet.",
    "verify_none": "There is no email address to verify; add one first.",
    "verify_wrong": "That code is not right, or it has expired. Ask for a new code.",
}


def choices_from(form: object) -> dict[str, str]:
    """The groups' choices posted as ch_<group> (anything else is left alone)."""
    get = form.get
    return {g: v for g in channels.GROUPS if isinstance(v := get(f"ch_{g}"), str) and v}


async def _person(request: Request) -> int:
    """The link's person, if the link is genuine, fresh and not revoked."""
    deps = get_deps(request)
    person_id, generation = email_actions.settings_claims(deps.links, request.path_params["token"][:600],
                                                          deps.db.clock.now())
    await to_thread.run_sync(email_actions.check, deps.db.uow(readonly=True), person_id, generation)
    return person_id


def guarded(handler: Callable[[Request, FormData], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """A POST of a form on a signed-link page: same origin, the link's form token; refusals as pages."""

    @wraps(handler)
    async def wrapped(request: Request) -> Response:
        deps = get_deps(request)
        if not is_same_origin(request, deps.settings):
            return refusal(request, 403, "This form was sent from another site; nothing was changed.",
                           title="Refused")
        form = await request.form(max_fields=20, max_files=0)
        given = form.get("csrf")
        if not csrf_valid(deps.settings.secret_keys, request.path_params["token"],
                          given if isinstance(given, str) else None):
            return refusal(request, 403, "This form is out of date; nothing was changed. Open the page again.",
                           title="Refused")
        try:
            return await handler(request, form)
        except DomainError as exc:
            return refusal(request, status_for(exc), exc.message)

    return wrapped


def _base(request: Request) -> str:
    return f"/e/settings/{request.path_params['token']}"


def _page(request: Request, data: channels.ChannelChoices, flash: str | None, error: InvalidField | None = None,
          status: int = 200) -> Response:
    deps = get_deps(request)
    return render(request, "email/channels.html", {
        "c": data, "groups": channels.GROUPS, "labels": channels.GROUP_LABELS, "flash": flash,
        "error": error, "action": _base(request), "verify_action": f"{_base(request)}/verify",
        "csrf": csrf_token(deps.settings.secret_keys, request.path_params["token"])}, status)


async def show(request: Request) -> Response:
    """The person's channel settings (a GET changes nothing)."""
    deps = get_deps(request)
    try:
        person_id = await _person(request)
        data = await to_thread.run_sync(channels.channel_choices, deps.db.uow(readonly=True),
                                        Actor.web(person_id, client_ip(request), user_agent(request)))
    except DomainError as exc:
        return refusal(request, status_for(exc), exc.message)
    off = ("Email is switched off for those messages." if data.telegram_linked else
           "Saved, but you have not linked Telegram: email is the only way to reach you, so these messages "
           "keep coming by email. Link Telegram with your invite, or ask an administrator to remove your address.")
    flash = {"saved": SAVED, "off": off, **VERIFY_MESSAGES}.get(request.query_params.get("m", ""))
    return _page(request, data, flash)


@guarded
async def _save(request: Request, form: FormData) -> Response:
    """Save the person's choices (CSRF-checked form)."""
    deps = get_deps(request)
    person_id = await _person(request)
    actor = Actor.web(person_id, client_ip(request), user_agent(request))
    try:
        await to_thread.run_sync(channels.set_channels, deps.db.uow(), actor, choices_from(form))
    except InvalidField as exc:
        data = await to_thread.run_sync(channels.channel_choices, deps.db.uow(readonly=True), actor)
        return _page(request, data, None, exc, 400)
    return RedirectResponse(f"{_base(request)}?m=saved", 303)


async def save(request: Request) -> Response:
    """The settings form; or a mail client's one-click unsubscribe (RFC 8058) of List-Unsubscribe."""
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        form = await request.form(max_fields=20, max_files=0)
        if form.get("List-Unsubscribe") == "One-Click":
            return await _switch_off(request, channels.GROUPS)
    return await _save(request)


async def _switch_off(request: Request, groups: tuple[str, ...]) -> Response:
    """Email off for `groups` (the signed link is the authority: a mail client sends no form token)."""
    deps = get_deps(request)
    try:
        person_id = await _person(request)
        actor = Actor.web(person_id, client_ip(request), user_agent(request))
        data = await to_thread.run_sync(channels.channel_choices, deps.db.uow(readonly=True), actor)
        off = {g: channels.Channel.TELEGRAM.value for g in groups if data.chosen.get(g) != channels.Channel.TELEGRAM}
        if off:
            await to_thread.run_sync(channels.set_channels, deps.db.uow(), actor, off)
    except DomainError as exc:
        return refusal(request, status_for(exc), exc.message)
    return RedirectResponse(f"{_base(request)}?m=off", 303)


async def unsubscribe_confirm(request: Request) -> Response:
    """What the unsubscribe link will do (a GET changes nothing; the button POSTs)."""
    group = request.path_params["group"]
    if group not in channels.GROUPS:
        return refusal(request, 404, "There is no such kind of message.")
    try:
        await _person(request)
    except DomainError as exc:
        return refusal(request, status_for(exc), exc.message)
    return render(request, "email/unsubscribe.html", {"label": channels.GROUP_LABELS[group],
                                                      "action": request.url.path, "settings": _base(request)})


async def unsubscribe(request: Request) -> Response:
    """One-click unsubscribe (RFC 8058; a mail client POSTs without our form): email off for one group."""
    group = request.path_params["group"]
    if group not in channels.GROUPS:
        return refusal(request, 404, "There is no such kind of message.")
    return await _switch_off(request, (group,))


routes = [
    Route("/e/settings/{token}", show, methods=["GET"], name="email_settings"),
    Route("/e/settings/{token}", save, methods=["POST"]),
    Route("/e/settings/{token}/unsubscribe/{group}", unsubscribe_confirm, methods=["GET"]),
    Route("/e/settings/{token}/unsubscribe/{group}", unsubscribe, methods=["POST"]),
]
