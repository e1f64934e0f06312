"""What the web app needs from the composition root."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from adapters.settings import Settings
from domain.files import AttachmentStore
from domain.links import LinkSigner
from domain.uow import Database

UpdateHandler = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class WebDeps:
    settings: Settings
    db: Database
    links: LinkSigner
    on_telegram_update: UpdateHandler | None = None  # the bot's handler, passed in by the root
    bot_username: str | None = None  # the bot's public @username, for t.me invite links (root learns it)
    attachments: AttachmentStore | None = None  # where photos and files are kept (/files/<signed token>)
    poll_seconds: float = 3.0  # how often an open dashboard asks whether anything changed


def get_deps(request: Request) -> WebDeps:
    deps: WebDeps = request.app.state.deps
    return deps
