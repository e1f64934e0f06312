"""Signing in to the web: a one-time code sent to the person's Telegram chat, or a one-time link from
the bot's /web command (GET shows a confirm button and changes nothing; only the POST consumes it).

POST /login answers the same way (status, body, cookie shape) whether or not the phone is on the
allowlist. Codes, attempt ids and session ids are never logged.
"""

from __future__ import annotations

from urllib.parse import urlencode

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from domain.auth import services as auth
from domain.auth.services import SessionInfo, SignedIn
from domain.errors import InvalidInput
from domain.models import Role
from web.deps import get_deps
from web.pages import refusal, render
from web.security import client_ip
from web.session import (
    ATTEMPT,
    ATTEMPT_MAX_AGE,
    DEVICE,
    DEVICE_MAX_AGE,
    LOGIN,
    LOGIN_MAX_AGE,
    SESSION,
    browser_id,
    clear_cookie,
    current_session,
    device_cookie,
    device_person,
    login_csrf,
    login_csrf_ok,
    login_nonce,
    read_cookie,
    same_origin,
    session_csrf_ok,
    session_max_age,
    set_cookie,
)

CROSS_SITE = "This form was sent from another site; nothing was changed."
STALE = "This form is out of date. Reload the page and try again (cookies must be enabled)."
SENT = ("If this number belongs to an active Taskbell account linked to Telegram, we have sent a "
        "6-digit code to its Telegram chat. It expires in 10 minutes.")
SENT_EMAIL = ("If this address is the verified address of an active Taskbell account, we have emailed it a "
              "6-digit code. It expires in 10 minutes.")


def _next(raw: str | None) -> str:
    """Only our own console pages are allowed as a place to go back to after signing in."""
    if raw and raw.startswith("/admin") and "//" not in raw and "\\" not in raw and len(raw) < 500:
        return raw
    return ""


def landing(request: Request, person: SignedIn, nxt: str = "") -> str:
    """Where a signed-in person goes: staff to the console (or `nxt`), others to their dashboard."""
    if person.role in (Role.ADMIN, Role.TEACHER):
        return nxt or "/admin"
    deps = get_deps(request)
    return f"/d/{deps.links.dashboard_token(person.id, deps.db.clock.now(), person.link_generation)}"


def _login_page(request: Request, template: str, context: dict[str, object], status: int = 200
                ) -> Response:
    deps = get_deps(request)
    nonce, fresh = login_nonce(request)
    response = render(request, template, {"csrf": login_csrf(deps.settings, nonce), **context}, status)
    if fresh:
        set_cookie(response, deps.settings, LOGIN, nonce, LOGIN_MAX_AGE)
    return response


def _signed_in(request: Request, info: SessionInfo, target: str) -> Response:
    settings = get_deps(request).settings
    response = RedirectResponse(target, 303)
    set_cookie(response, settings, SESSION, info.session_id, session_max_age(info, request))
    clear_cookie(response, settings, ATTEMPT)
    clear_cookie(response, settings, LOGIN)  # a fresh nonce for the next sign-in
    set_cookie(response, settings, DEVICE, device_cookie(settings, info.person.id), DEVICE_MAX_AGE)
    return response


def _guard(request: Request, form_csrf: object) -> Response | None:
    if not same_origin(request):
        return refusal(request, 403, CROSS_SITE, title="Refused", back_url="/login", back_label="Sign in",
                       hint=False)
    if not login_csrf_ok(request, form_csrf):
        return refusal(request, 403, STALE, title="Refused", back_url="/login", back_label="Sign in",
                       hint=False)
    return None


async def login_form(request: Request) -> Response:
    """The phone number form (or straight on, when already signed in)."""
    info = await current_session(request)
    nxt = _next(request.query_params.get("next"))
    if info is not None:
        return RedirectResponse(landing(request, info.person, nxt), 303)
    return _login_page(request, "login.html", {"next": nxt, "phone": "", "error": None,
                                               "bye": request.query_params.get("bye") == "1"})


async def login_submit(request: Request) -> Response:
    """Ask for a code; answers alike whether or not the phone is known."""
    deps = get_deps(request)
    form = await request.form(max_fields=10, max_files=0)
    if refused := _guard(request, form.get("csrf")):
        return refused
    phone = form.get("phone")
    phone = phone.strip()[:40] if isinstance(phone, str) else ""
    nxt = _next(form.get("next") if isinstance(form.get("next"), str) else None)  # type: ignore[arg-type]
    ip, browser, trusted = client_ip(request), browser_id(request), device_person(request)
    try:
        attempt = await to_thread.run_sync(lambda: auth.request_code(
            deps.db.uow(), phone=phone, ip=ip, key=deps.settings.secret_keys[-1],
            region=deps.settings.phone_region, browser=browser, trusted_person_id=trusted))
    except auth.TooManyRequests as exc:
        return _login_page(request, "login.html", {"next": nxt, "phone": phone, "error": exc.message,
                                                   "bye": False}, 429)
    except InvalidInput as exc:
        return _login_page(request, "login.html", {"next": nxt, "phone": phone, "error": exc.message,
                                                   "bye": False}, 400)
    response = RedirectResponse("/login/code" + (f"?{urlencode({'next': nxt})}" if nxt else ""), 303)
    set_cookie(response, deps.settings, ATTEMPT, attempt.attempt_id, ATTEMPT_MAX_AGE)
    return response


async def code_form(request: Request) -> Response:
    """The code form, for the attempt in the cookie."""
    if not read_cookie(request, ATTEMPT):
        return RedirectResponse("/login", 303)
    return _login_page(request, "login_code.html", {
        "next": _next(request.query_params.get("next")), "error": None,
        "sent": SENT_EMAIL if request.query_params.get("via") == "email" else SENT})


async def code_submit(request: Request) -> Response:
    """Check the code and open a session (one domain call, one transaction)."""
    deps = get_deps(request)
    form = await request.form(max_fields=10, max_files=0)
    if refused := _guard(request, form.get("csrf")):
        return refused
    raw_next = form.get("next")
    nxt = _next(raw_next if isinstance(raw_next, str) else None)
    attempt_id = read_cookie(request, ATTEMPT)
    code = form.get("code")
    code = code[:20] if isinstance(code, str) else ""
    ip = client_ip(request)
    try:
        if not attempt_id or len(attempt_id) > 100:
            raise InvalidInput(auth.WRONG)
        info = await to_thread.run_sync(lambda: auth.sign_in_with_code(
            deps.db.uow(), attempt_id=attempt_id, code=code, ip=ip, key=deps.settings.secret_keys[-1]))
    except InvalidInput as exc:
        return _login_page(request, "login_code.html", {"next": nxt, "error": exc.message, "sent": SENT},
                           400)
    return _signed_in(request, info, landing(request, info.person, nxt))


async def link_confirm(request: Request) -> Response:
    """GET of a /web sign-in link: checks it and shows a button; consumes nothing (link previews)."""
    deps = get_deps(request)
    token = request.path_params["token"]
    try:
        await to_thread.run_sync(lambda: auth.peek_one_time(
            deps.db.uow(readonly=True), purpose=auth.SIGNIN, token=token[:100]))
    except InvalidInput as exc:
        return refusal(request, 410, exc.message, title="This link cannot be used")
    return _login_page(request, "login_link.html", {"action": f"/login/link/{token}"})


async def link_submit(request: Request) -> Response:
    """Consume a /web sign-in link and open a session."""
    deps = get_deps(request)
    form = await request.form(max_fields=10, max_files=0)
    if refused := _guard(request, form.get("csrf")):
        return refused
    token = request.path_params["token"]
    try:
        info = await to_thread.run_sync(lambda: auth.sign_in_with_link(
            deps.db.uow(), token=token[:100], ip=client_ip(request)))
    except InvalidInput as exc:
        return refusal(request, 410, exc.message, title="This link cannot be used")
    return _signed_in(request, info, landing(request, info.person))


async def logout(request: Request) -> Response:
    """End the session."""
    deps = get_deps(request)
    form = await request.form(max_fields=10, max_files=0)
    info = await current_session(request)
    if info is not None:
        if not same_origin(request) or not session_csrf_ok(deps.settings, info, form.get("csrf")):
            return refusal(request, 403, "This form is out of date; you are still signed in. "
                           "Reload the page and try again.", title="Refused", back_url="/admin",
                           back_label="Back", hint=False)
        await to_thread.run_sync(auth.end_session, deps.db.uow(), info.session_id)
    response = RedirectResponse("/login?bye=1", 303)
    clear_cookie(response, deps.settings, SESSION)
    return response


routes = [
    Route("/login", login_form, methods=["GET"], name="login"),
    Route("/login", login_submit, methods=["POST"]),
    Route("/login/code", code_form, methods=["GET"], name="login_code"),
    Route("/login/code", code_submit, methods=["POST"]),
    Route("/login/link/{token}", link_confirm, methods=["GET"], name="login_link"),
    Route("/login/link/{token}", link_submit, methods=["POST"]),
    Route("/logout", logout, methods=["POST"], name="logout"),
]
