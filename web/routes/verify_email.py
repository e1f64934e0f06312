"""Verifying one's own email address: a code is emailed to it and typed back (in the console for staff,
on the signed settings page for everyone). The attempt id stays in a cookie of this browser."""

from __future__ import annotations

from anyio import to_thread
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from domain.actors import Actor
from domain.auth import email_codes
from domain.auth.services import TooManyRequests
from domain.errors import InvalidInput
from web.console import STAFF, Console, console_page, see_other
from web.deps import get_deps
from web.routes.channels import _person, guarded
from web.security import client_ip, user_agent
from web.session import ATTEMPT_MAX_AGE, browser_id, clear_cookie, read_cookie, set_cookie

VERIFY = "tb_verify"  # the verification attempt the emailed code is bound to


def _sent(response: RedirectResponse, request: Request, attempt_id: str) -> Response:
    set_cookie(response, get_deps(request).settings, VERIFY, attempt_id, ATTEMPT_MAX_AGE)
    return response


def _key(request: Request) -> str:
    return get_deps(request).settings.secret_keys[-1]


async def _send(request: Request, actor: Actor, back: str) -> Response:
    """Email a code to the actor's address; refusals come back to `back` as its error message."""
    try:
        attempt = await to_thread.run_sync(lambda: email_codes.request_verification(
            get_deps(request).db.uow(), actor, key=_key(request), browser=browser_id(request)))
    except TooManyRequests:
        return see_other(back, m="verify_limit")
    except email_codes.EmailOff:
        return see_other(back, m="verify_off")
    except InvalidInput:
        return see_other(back, m="verify_none")
    return _sent(see_other(back, m="code_sent"), request, attempt.attempt_id)


async def _check(request: Request, actor: Actor, code: str, back: str) -> Response:
    """Check the typed code; the address is verified when it is right."""
    attempt_id = read_cookie(request, VERIFY)[:100]
    try:
        await to_thread.run_sync(lambda: email_codes.verify_address(
            get_deps(request).db.uow(), actor, attempt_id=attempt_id, code=code[:20], key=_key(request)))
    except InvalidInput:
        return see_other(back, m="verify_wrong")
    response = see_other(back, m="verified")
    clear_cookie(response, get_deps(request).settings, VERIFY)
    return response


@console_page(*STAFF, back="/admin/channels")
async def my_verify_send(request: Request, c: Console) -> Response:
    """Email a code to one's own address (console)."""
    return await _send(request, c.actor, "/admin/channels")


@console_page(*STAFF, back="/admin/channels")
async def my_verify_check(request: Request, c: Console) -> Response:
    """The emailed code typed back: the address is verified (console)."""
    return await _check(request, c.actor, c.field("code"), "/admin/channels")


@guarded
async def link_verify_send(request: Request, form: FormData) -> Response:
    """Email a code to one's own address (signed settings page)."""
    person_id = await _person(request)
    return await _send(request, Actor.web(person_id, client_ip(request), user_agent(request)), f"/e/settings/{request.path_params['token']}")


@guarded
async def link_verify_check(request: Request, form: FormData) -> Response:
    """The emailed code typed back (signed settings page)."""
    person_id = await _person(request)
    code = form.get("code")
    return await _check(request, Actor.web(person_id, client_ip(request), user_agent(request)), code if isinstance(code, str) else "",
                        f"/e/settings/{request.path_params['token']}")


routes = [
    Route("/admin/channels/verify", my_verify_send, methods=["POST"]),
    Route("/admin/channels/verify/code", my_verify_check, methods=["POST"]),
    Route("/e/settings/{token}/verify", link_verify_send, methods=["POST"]),
    Route("/e/settings/{token}/verify/code", link_verify_check, methods=["POST"]),
]
