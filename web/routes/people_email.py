"""Email addresses and channel choices in the console: an admin sets anyone's (from the People page);
every console user sets their own at /admin/channels. An invalid address is refused beside the field."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import InvalidField
from domain.mail import channels
from domain.perms.catalogue import PEOPLE_MANAGE
from web.console import STAFF, Console, console_page, page, run, see_other, uow_of
from web.forms import path_id
from web.routes.channels import VERIFY_MESSAGES, choices_from

MESSAGES = {"email_saved": "Email address saved.", "channels_saved": "Channels saved.", **VERIFY_MESSAGES}


def _base(person_id: int | None) -> str:
    return "/admin/channels" if person_id is None else f"/admin/people/{person_id}/email"


async def _show(request: Request, c: Console, person_id: int | None, *, email_error: InvalidField | None = None,
                channels_error: InvalidField | None = None, typed: str | None = None, status: int = 200
                ) -> Response:
    data = await run(channels.channel_choices, uow_of(request, True), c.actor, person_id)
    return page(request, c, "admin/person_email.html", {
        "c": data, "groups": channels.GROUPS, "labels": channels.GROUP_LABELS, "base": _base(person_id),
        "own": person_id is None, "verify_action": "/admin/channels/verify", "email_error": email_error, "error": channels_error,
        "typed": data.email or "" if typed is None else typed,
        "flash": MESSAGES.get(request.query_params.get("m", ""))}, status)


async def _save_email(request: Request, c: Console, person_id: int | None) -> Response:
    typed = c.field("email")[:300]
    try:
        await run(channels.set_email, uow_of(request), c.actor, typed, person_id)
    except InvalidField as exc:
        return await _show(request, c, person_id, email_error=exc, typed=typed, status=422)
    return see_other(_base(person_id), m="email_saved")


async def _save_channels(request: Request, c: Console, person_id: int | None) -> Response:
    try:
        await run(channels.set_channels, uow_of(request), c.actor, choices_from(c.form), person_id)
    except InvalidField as exc:
        return await _show(request, c, person_id, channels_error=exc, status=422)
    return see_other(_base(person_id), m="channels_saved")


@console_page(perm=PEOPLE_MANAGE)
async def person_email(request: Request, c: Console) -> Response:
    """A person's email address and channel choices (admins)."""
    return await _show(request, c, path_id(request))


@console_page(perm=PEOPLE_MANAGE, back="/admin/people")
async def person_email_save(request: Request, c: Console) -> Response:
    """Set or clear a person's email address (admins; audited)."""
    return await _save_email(request, c, path_id(request))


@console_page(perm=PEOPLE_MANAGE, back="/admin/people")
async def person_channels_save(request: Request, c: Console) -> Response:
    """Set a person's channel per kind group (admins; audited)."""
    return await _save_channels(request, c, path_id(request))


@console_page(*STAFF)
async def my_channels(request: Request, c: Console) -> Response:
    """The signed-in person's own email address and channel choices."""
    return await _show(request, c, None)


@console_page(*STAFF, back="/admin/channels")
async def my_email_save(request: Request, c: Console) -> Response:
    """Set or clear one's own email address (audited)."""
    return await _save_email(request, c, None)


@console_page(*STAFF, back="/admin/channels")
async def my_channels_save(request: Request, c: Console) -> Response:
    """Set one's own channel per kind group (audited)."""
    return await _save_channels(request, c, None)


routes = [
    Route("/admin/people/{id}/email", person_email, methods=["GET"]),
    Route("/admin/people/{id}/email", person_email_save, methods=["POST"]),
    Route("/admin/people/{id}/channels", person_channels_save, methods=["POST"]),
    Route("/admin/channels", my_channels, methods=["GET"], name="my_channels"),
    Route("/admin/channels/email", my_email_save, methods=["POST"]),
    Route("/admin/channels", my_channels_save, methods=["POST"]),
]
