"""Inbox messages: an item waiting for a teacher or admin, its buttons, admin alerts, notes to parents."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import InboxButton, encode
from bot.messages.registry import Rendered, Renderer, renders
from domain.inbox import services as inbox
from domain.outbox import Delivery, NotificationKind


def action_keyboard(action_id: int, kind: str = "") -> InlineKeyboardMarkup:
    """Reviewed / Notify parent / Ignore for one inbox item (no Notify parent where the parents' message
    must be read first: a risk item's is on its console page)."""
    notify = [] if kind in inbox.PREVIEW_FIRST else [
        InlineKeyboardButton("Notify parent", callback_data=encode(InboxButton(action_id, "notify_parent")))]
    return InlineKeyboardMarkup([[
        InlineKeyboardButton("Reviewed", callback_data=encode(InboxButton(action_id, "reviewed"))),
        *notify,
        InlineKeyboardButton("Ignore", callback_data=encode(InboxButton(action_id, "ignore"))),
    ]])


@renders(NotificationKind.PENDING_ACTION)
def pending_action(r: Renderer, d: Delivery) -> Rendered:
    action = inbox.action_info(r.db.uow(readonly=True), int(d.data["action_id"]))
    return Rendered(f"📥 {html.escape(action.summary)}", action_keyboard(action.id, action.kind))


@renders(NotificationKind.ADMIN_ALERT)
def admin_alert(r: Renderer, d: Delivery) -> Rendered:
    return Rendered(f"ℹ️ {html.escape(str(d.data.get('summary', '')))}")


@renders(NotificationKind.TEACHER_NOTE)
def teacher_note(r: Renderer, d: Delivery) -> Rendered:
    return Rendered(f"A note from your child's teacher: {html.escape(str(d.data.get('note', '')))}")
