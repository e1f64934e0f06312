"""Account messages: the sign-in code."""

from __future__ import annotations

import html

from bot.messages.registry import Rendered, Renderer, renders
from domain.outbox import Delivery, NotificationKind
from domain.words import plural


@renders(NotificationKind.LOGIN_CODE)
def login_code(r: Renderer, d: Delivery) -> Rendered:
    code, minutes = str(d.data.get("code", "")), int(d.data.get("minutes", 10))
    return Rendered(f"Your Taskbell sign-in code is <code>{html.escape(code)}</code>. It expires in "
                    f"{plural(minutes, 'minute')}.\nIf you did not ask for it, ignore this message; nobody "
                    "can sign in without it.")


# --- groups and supergroups: nothing personal is said there (bot.group_chats) ------------------

PRIVATE_ONLY = ("I answer /{command} only in a private chat, so that nothing personal shows here. "
                "Press the button to open it.")
PRIVATE_CHAT_BUTTON = "Open a private chat"
GROUP_BUTTON_REFUSED = "This works only in your private chat with me."
ASKED_IN_GROUP = "You asked for /{command} in a group. Send /{command} here and I will answer."
