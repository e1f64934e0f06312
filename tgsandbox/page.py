"""The chat page: plain HTML, CSS and a small vanilla script that drives the control API."""

from __future__ import annotations

from html import escape
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from .state import SandboxState

STATIC = Path(__file__).parent / "static"
_ASSETS = {"chat.js": "text/javascript", "chat.css": "text/css", "mailbox.js": "text/javascript"}


def render_page(state: SandboxState) -> str:
    """The page with the users listed server-side; the script keeps it current."""
    template = (STATIC / "chat.html").read_text(encoding="utf-8")
    items = []
    for user in state.users.values():
        name = " ".join(part for part in (user.first_name, user.last_name) if part)
        detail = user.phone or (f"@{user.username}" if user.username else f"id {user.id}")
        items.append(
            f'<li><button type="button" class="user" data-user-id="{user.id}">'
            f'<span class="user-name">{escape(name)}</span>'
            f'<span class="user-detail">{escape(detail)}</span>'
            + (f'<span class="user-hint">{escape(user.hint)}</span>' if user.hint else "")
            + "</button></li>"
        )
    return (
        template.replace("{{bot_name}}", escape(state.bot_first_name))
        .replace("{{bot_username}}", escape(state.bot_username))
        .replace("{{users}}", "\n".join(items) or '<li class="empty">No users yet</li>')
    )


def page_routes(state: SandboxState) -> list[Route]:
    async def page(request: Request) -> Response:
        return HTMLResponse(render_page(state))

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in _ASSETS:
            return Response("not found", 404)
        return FileResponse(STATIC / name, media_type=_ASSETS[name])

    return [
        Route("/", page, methods=["GET"]),
        Route("/chat", page, methods=["GET"]),
        Route("/sandbox/static/{name}", asset, methods=["GET"]),
    ]
