"""Who is calling the API: a per-person token in `Authorization: Bearer <token>`.

One function so a later web session (cookie) can be tried here too.
"""

from __future__ import annotations

from anyio import to_thread
from starlette.requests import Request

from domain.models import Person
from domain.services import api_tokens
from web.deps import get_deps
from web.validation import ApiError


async def authenticate_request(request: Request) -> Person:
    """The active person behind the request, or ApiError(401)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "Send an API token: Authorization: Bearer <token>.",
                       {"www-authenticate": 'Bearer realm="taskbell"'})
    deps = get_deps(request)
    person = await to_thread.run_sync(api_tokens.authenticate, deps.db.uow(readonly=True), token.strip())
    if person is None:
        raise ApiError(401, "unauthorized", "This API token is not valid (unknown, revoked, or its "
                       "person is not active).",
                       {"www-authenticate": 'Bearer realm="taskbell", error="invalid_token"'})
    return person
