"""Builds the sandbox Starlette app: Bot API, file downloads, control API and the chat page."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .api import BotApi
from .control import Control
from .limits import SandboxConfig
from .mail_control import mail_routes
from .page import page_routes
from .state import SandboxState
from .webhook import deliver_webhooks


def create_app(
    state: SandboxState | None = None,
    *,
    token: str,
    bot_username: str = "taskbell_bot",
    bot_first_name: str = "Taskbell",
    config: SandboxConfig | None = None,
    storage: str | os.PathLike[str] | None = None,
    **limits: Any,
) -> Starlette:
    """A fresh sandbox app; `limits` are SandboxConfig fields such as per_chat_per_second=5.

    `storage` keeps the sandbox's history in that file across restarts (see journal.py)."""
    if state is None:
        base = config or SandboxConfig()
        base.update(limits)
        state = SandboxState(
            token=token, bot_username=bot_username, bot_first_name=bot_first_name, config=base,
            storage=storage,
        )
    elif limits:
        state.initial_config.update(limits)
        state.config.update(limits)

    async def download(request: Request) -> Response:
        if request.path_params["token"] != state.token:
            return JSONResponse(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, 401
            )
        stored = state.file_paths.get(request.path_params["file_path"])
        if stored is None:
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return Response(stored.content, media_type=stored.mime_type or "application/octet-stream")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state.changes.closed = False
        worker = asyncio.create_task(deliver_webhooks(state), name="sandbox-webhooks")
        try:
            yield
        finally:
            state.changes.closed = True
            state.changes.notify()
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    routes = [
        Route("/bot{token}/{method}", BotApi(state), methods=["GET", "POST"]),
        Route("/file/bot{token}/{file_path:path}", download, methods=["GET"]),
        *Control(state).routes(),
        *mail_routes(state.mailbox),
        *page_routes(state),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.sandbox = state
    return app
