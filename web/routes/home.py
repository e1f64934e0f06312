"""The front door: `/` says what Taskbell is and how to get in (sign in, or ask the bot for a link)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.models import Role
from web.deps import get_deps
from web.pages import render
from web.session import current_session


async def home(request: Request) -> Response:
    """The landing page; a signed-in person is offered the way back to their pages."""
    deps = get_deps(request)
    info = await current_session(request)
    settings = deps.settings
    bot = deps.bot_username
    staff = info is not None and info.person.role in (Role.ADMIN, Role.TEACHER)
    return render(request, "home.html", {
        "signed_in": info.person.name if info else None, "staff": staff,
        "bot_url": f"https://t.me/{bot}" if bot else None,
        "chat_page": f"{settings.sandbox_url}/chat" if settings.uses_sandbox else None,
    })


routes = [Route("/", home, methods=["GET"], name="home")]
