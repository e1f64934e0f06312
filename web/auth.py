"""Who is calling: a per-person API token in `Authorization: Bearer <token>`, or else the browser's
session cookie. A cookie-authenticated request that changes something must come from our own origin
and carry the session's CSRF token in `X-CSRF-Token`.
"""

from __future__ import annotations

from anyio import to_thread
from starlette.requests import Request

from domain.auth import api_tokens
from domain.auth.services import SignedIn
from web.deps import get_deps
from web.errors import ApiError
from web.session import SAFE_METHODS, current_session, same_origin, session_csrf_ok


async def authenticate_request(request: Request) -> SignedIn:
    """The active person behind the request, or ApiError(401/403)."""
    header = request.headers.get("authorization", "")
    deps = get_deps(request)
    if not header:
        info = await current_session(request)
        if info is not None:
            if request.method not in SAFE_METHODS and not (
                    same_origin(request)
                    and session_csrf_ok(deps.settings, info, request.headers.get("x-csrf-token"))):
                raise ApiError(403, "csrf", "A signed-in browser must send X-CSRF-Token from this site.")
            return info.person
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "Send an API token: Authorization: Bearer <token>.",
                       {"www-authenticate": 'Bearer realm="taskbell"'})
    person = await to_thread.run_sync(api_tokens.authenticate, deps.db.uow(readonly=True), token.strip())
    if person is None:
        raise ApiError(401, "unauthorized", "This API token is not valid (unknown, revoked, or its "
                       "person is not active).",
                       {"www-authenticate": 'Bearer realm="taskbell", error="invalid_token"'})
    return person
