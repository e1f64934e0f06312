"""Liveness: the process answers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def health(request: Request) -> JSONResponse:
    """The process answers."""
    return JSONResponse({"status": "ok"}, headers={"cache-control": "no-store"})


routes = [Route("/health", health, methods=["GET"], name="health")]
