"""The `Idempotency-Key` header of the JSON API: read it, fingerprint the request, answer a replay."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse

from domain import idempotency
from domain.actors import Actor
from web.api_models import answer

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"


async def keyed(request: Request, actor: Actor, model: type[BaseModel], status: int) -> idempotency.Once | None:
    """The request as a keyed one when it has the header (BadKey, a 400, on a malformed key), else None."""
    raw = request.headers.get(HEADER)
    if raw is None or actor.person_id is None:
        return None
    key = idempotency.checked_key(raw.strip())
    body = idempotency.canonical_json(await request.body())

    def answer_of(result: Any) -> tuple[int, dict[str, Any]]:
        return status, answer(model, result)

    return idempotency.Once(actor.person_id, idempotency.API, key,
                            idempotency.fingerprint(request.method, request.url.path, body), answer_of)


def respond(outcome: object, model: type[BaseModel], status: int) -> JSONResponse:
    """The use case's result as JSON, or the stored answer of the first request with the key."""
    if isinstance(outcome, idempotency.Stored):
        return JSONResponse(outcome.answer, outcome.status, headers={REPLAYED: "true"})
    return JSONResponse(answer(model, outcome), status)
