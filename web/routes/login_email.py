"""Signing in with a code sent by email (people with a verified address): the same attempt cookie and
code form as the Telegram code, the same budgets; answers alike whether or not the address is known."""

from __future__ import annotations

from urllib.parse import urlencode

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from domain.auth import email_codes
from domain.auth.services import TooManyRequests
from domain.errors import InvalidInput
from web.deps import get_deps
from web.routes.login import _guard, _login_page, _next
from web.security import client_ip
from web.session import ATTEMPT, ATTEMPT_MAX_AGE, browser_id, device_person, set_cookie


async def email_submit(request: Request) -> Response:
    """Ask for a code by email; answers alike whether or not the address is known and verified."""
    deps = get_deps(request)
    form = await request.form(max_fields=10, max_files=0)
    if refused := _guard(request, form.get("csrf")):
        return refused
    raw = form.get("email")
    address = raw.strip()[:300] if isinstance(raw, str) else ""
    raw_next = form.get("next")
    nxt = _next(raw_next if isinstance(raw_next, str) else None)
    ip, browser, trusted = client_ip(request), browser_id(request), device_person(request)
    try:
        attempt = await to_thread.run_sync(lambda: email_codes.request_email_code(
            deps.db.uow(), address=address, ip=ip, key=deps.settings.secret_keys[-1], browser=browser,
            trusted_person_id=trusted))
    except (TooManyRequests, InvalidInput, email_codes.EmailOff) as exc:
        status = 429 if isinstance(exc, TooManyRequests) else 400
        return _login_page(request, "login.html", {"next": nxt, "phone": "", "error": None, "bye": False,
                                                   "email": address, "email_error": exc.message}, status)
    query = {"via": "email", **({"next": nxt} if nxt else {})}
    response = RedirectResponse(f"/login/code?{urlencode(query)}", 303)
    set_cookie(response, deps.settings, ATTEMPT, attempt.attempt_id, ATTEMPT_MAX_AGE)
    return response


routes = [Route("/login/email", email_submit, methods=["POST"])]
