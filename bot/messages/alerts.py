"""Alert messages: the alert with [Open] [Dismiss], and the /alerts list."""

from __future__ import annotations

import html
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.alert_callbacks import AlertButton
from bot.messages.registry import Rendered, Renderer, renders
from domain.alerts.services import AlertRow
from domain.outbox import Delivery, NotificationKind

ICONS = {"urgent": "🚨", "warning": "⚠️", "info": "🔔"}


def alert_keyboard(alert_id: int) -> InlineKeyboardMarkup:
    """[Open] [Dismiss] for one alert."""
    return InlineKeyboardMarkup([[
        InlineKeyboardButton("Open", callback_data=callbacks.encode(AlertButton("o", alert_id))),  # type: ignore[arg-type]
        InlineKeyboardButton("Dismiss", callback_data=callbacks.encode(AlertButton("d", alert_id))),  # type: ignore[arg-type]
    ]])


def alert_text(severity: str, title: str, text: str) -> str:
    """An alert's words: icon and title in bold, then its text."""
    head = f"{ICONS.get(severity, '🔔')} <b>{html.escape(title)}</b>"
    return head + (f"\n{html.escape(text)}" if text else "")


@renders(NotificationKind.ALERT)
def alert(r: Renderer, d: Delivery) -> Rendered:
    """One alert to one recipient, with Open and Dismiss."""
    return Rendered(alert_text(str(d.data.get("severity", "info")), str(d.data.get("title", "")),
                               str(d.data.get("text", ""))), alert_keyboard(int(d.data["alert_id"])))


def unread_list(rows: Sequence[AlertRow]) -> str:
    """The /alerts answer: unread alerts, newest first."""
    if not rows:
        return "No unread alerts."
    lines = [f"<b>Unread alerts ({len(rows)})</b>"]
    lines += [f"{ICONS.get(a.severity, '🔔')} {html.escape(a.title)}" for a in rows]
    return "\n".join(lines)
