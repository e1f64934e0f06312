"""Parent-teacher messages: a reply to an absence or a note, passed on; replying to it answers."""

from __future__ import annotations

import html

from bot.messages import limits
from bot.messages.registry import Rendered, Renderer, renders
from domain.outbox import Delivery, NotificationKind

REPLY_HINT = "↩️ Reply to this message to answer."


@renders(NotificationKind.FAMILY_MESSAGE)
def family_message(r: Renderer, d: Delivery) -> Rendered:
    """The message with who sent it and what it is about (names only, never a phone)."""
    about = str(d.data.get("about") or "")
    photos = len(d.data.get("photos") or [])
    extra = f"\n({photos} photo{'s' if photos != 1 else ''} attached in Telegram)" if photos else ""
    head = f"💬 <b>{html.escape(str(d.data.get('from_name', '')))}</b>" + (
        f" about {html.escape(about)}" if about else "")
    body = html.escape(limits.clip(str(d.data.get("text") or ""), 3500))
    return Rendered(f"{head}:\n\n{body}{extra}\n\n{REPLY_HINT}")
