"""Account messages: the sign-in code."""

from __future__ import annotations

import html

from bot.messages.registry import Rendered, Renderer, renders
from domain.outbox import Delivery, NotificationKind


@renders(NotificationKind.LOGIN_CODE)
def login_code(r: Renderer, d: Delivery) -> Rendered:
    code, minutes = str(d.data.get("code", "")), int(d.data.get("minutes", 10))
    return Rendered(f"Your Taskbell sign-in code is <code>{html.escape(code)}</code>. It expires in "
                    f"{minutes} minutes.\nIf you did not ask for it, ignore this message; nobody "
                    "can sign in without it.")
