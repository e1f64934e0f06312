"""Announcement messages: the title in bold, the text, who posted it to whom (and, to a parent, the child)."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.messages import limits
from bot.messages.registry import Rendered, Renderer, renders
from domain.outbox import Delivery, NotificationKind
from domain.people.services import link_generation
from domain.portal.links import portal_token, portal_url


def announcement_text(title: str, text: str, author: str, target: str, *, urgent: bool = False,
                      about: str | None = None) -> str:
    """An announcement's words as the chat shows them (the text cut to fit Telegram's limit)."""
    head = f"{'🚨' if urgent else '📣'} <b>{html.escape(title)}</b>"
    signed = f"<i>{html.escape(author)} to {html.escape(target)}" + (
        f", about {html.escape(about)}" if about else "") + "</i>"
    return f"{head}\n{html.escape(limits.clip(text, 3500))}\n\n{signed}"


@renders(NotificationKind.ANNOUNCEMENT)
def announcement(r: Renderer, d: Delivery) -> Rendered:
    """One announcement to one recipient; a student or parent gets [Open my page] (their portal)."""
    about = d.data.get("about")
    markup = None
    if d.data.get("portal"):
        generation = link_generation(r.db.uow(readonly=True), d.recipient_id)
        url = portal_url(r.base_url, portal_token(r.links, d.recipient_id, r.db.clock.now(), generation))
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Open my page", url=url)]])
    return Rendered(announcement_text(str(d.data.get("title", "")), str(d.data.get("text", "")),
                                      str(d.data.get("author", "")), str(d.data.get("target", "")),
                                      urgent=bool(d.data.get("urgent")), about=str(about) if about else None),
                    markup)
