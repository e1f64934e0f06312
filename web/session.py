"""Browser sessions: the cookies, and the session behind a request.

The session cookie holds a random id (the table keeps only its hash). It is HttpOnly, SameSite=Lax,
and, when APP_BASE_URL is https, Secure with the `__Host-` prefix (no Domain, Path=/). Session ids,
sign-in codes and attempt ids are never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import Response

from adapters.settings import Settings
from domain.auth import services as auth
from domain.auth.services import SessionInfo
from web.deps import get_deps
from web.security import csrf_token, csrf_valid, is_same_origin

SESSION = "tb_session"
LOGIN = "tb_login"  # a random nonce for the sign-in forms' CSRF token (before any session exists)
ATTEMPT = "tb_attempt"  # the sign-in attempt the code is bound to
DEVICE = "tb_device"  # "this browser signed in as person N before" (signed), for the sign-in limits
DEVICE_MAX_AGE = 180 * 24 * 3600
LOGIN_MAX_AGE = 30 * 60
ATTEMPT_MAX_AGE = int(auth.CODE_TTL.total_seconds())
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_secure(settings: Settings) -> bool:
    return settings.app_base_url.lower().startswith("https://")


def cookie_name(settings: Settings, base: str) -> str:
    return f"__Host-{base}" if is_secure(settings) else base


def set_cookie(response: Response, settings: Settings, base: str, value: str, max_age: int | None) -> None:
    response.set_cookie(cookie_name(settings, base), value, max_age=max_age, path="/",
                        secure=is_secure(settings), httponly=True, samesite="lax")


def clear_cookie(response: Response, settings: Settings, base: str) -> None:
    response.delete_cookie(cookie_name(settings, base), path="/", secure=is_secure(settings),
                           httponly=True, samesite="lax")


def read_cookie(request: Request, base: str) -> str:
    return request.cookies.get(cookie_name(get_deps(request).settings, base), "")


def session_max_age(info: SessionInfo, request: Request) -> int:
    now = get_deps(request).db.clock.now()
    return max(int((info.expires_at - now).total_seconds()), 0)


async def current_session(request: Request) -> SessionInfo | None:
    """The live session behind the cookie (status and role re-read now), cached per request."""
    if hasattr(request.state, "tb_session"):
        cached: SessionInfo | None = request.state.tb_session
        return cached
    sid = read_cookie(request, SESSION)
    info = None
    if sid and len(sid) < 200:
        info = await to_thread.run_sync(auth.load_session, get_deps(request).db.uow(), sid)
    request.state.tb_session = info
    return info


# --- CSRF ----------------------------------------------------------------------------------

def session_csrf(settings: Settings, info: SessionInfo) -> str:
    return csrf_token(settings.secret_keys, "session:" + info.csrf_secret)


def session_csrf_ok(settings: Settings, info: SessionInfo, given: object) -> bool:
    return csrf_valid(settings.secret_keys, "session:" + info.csrf_secret,
                      given if isinstance(given, str) else None)


def login_nonce(request: Request) -> tuple[str, bool]:
    """The sign-in nonce from the cookie, or a fresh one (True: set it on the response)."""
    nonce = read_cookie(request, LOGIN)
    if nonce and 20 <= len(nonce) <= 100:
        return nonce, False
    return secrets.token_urlsafe(32), True


def login_csrf(settings: Settings, nonce: str) -> str:
    return csrf_token(settings.secret_keys, "login:" + nonce)


def login_csrf_ok(request: Request, given: object) -> bool:
    nonce = read_cookie(request, LOGIN)
    return bool(nonce) and csrf_valid(get_deps(request).settings.secret_keys, "login:" + nonce,
                                      given if isinstance(given, str) else None)


def same_origin(request: Request) -> bool:
    return is_same_origin(request, get_deps(request).settings)


# --- the sign-in limits' view of the browser ---------------------------------------------------

def _device_mac(key: str, person_id: int) -> str:
    return hmac.new(key.encode(), f"taskbell.device\x00{person_id}".encode(), hashlib.sha256).hexdigest()


def device_cookie(settings: Settings, person_id: int) -> str:
    """The device cookie's value for a browser that has just signed in as `person_id`."""
    return f"{person_id}.{_device_mac(settings.secret_keys[-1], person_id)}"


def device_person(request: Request) -> int | None:
    """The person this browser signed in as before, if its device cookie is genuine."""
    raw = read_cookie(request, DEVICE)
    pid, _, mac = raw.partition(".")
    if not pid.isdigit() or len(pid) > 12 or len(mac) != 64:
        return None
    keys = get_deps(request).settings.secret_keys
    return int(pid) if any(hmac.compare_digest(mac, _device_mac(k, int(pid))) for k in keys) else None


def browser_id(request: Request) -> str | None:
    """A name for this browser in the sign-in limits: a hash of its sign-in nonce cookie."""
    nonce = read_cookie(request, LOGIN)
    return hashlib.sha256(nonce.encode()).hexdigest() if nonce else None
