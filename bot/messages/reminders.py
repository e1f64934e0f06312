"""Reminder messages: a task's reminder with snooze buttons, escalations, the overdue digest, the brief."""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Snooze, encode
from bot.messages.registry import Rendered, Renderer, renders
from bot.messages.tasks import card_text, markup_for, new_card
from bot.timefmt import local
from domain.outbox import Delivery, NotificationKind
from domain.words import day_text, plural


def brief_text(data: dict[str, Any]) -> str:
    """The day's brief: a heading per section, a bullet per item."""
    try:
        day = day_text(date.fromisoformat(str(data.get("day", ""))))
    except ValueError:
        day = "today"
    lines = [f"☀️ <b>Your brief for {html.escape(day)}</b>"]
    for section in data.get("sections", []):
        lines.append(f"\n<b>{html.escape(str(section['title']))}</b>")
        lines.extend(f"• {html.escape(str(item))}" for item in section["items"])
    return "\n".join(lines)


@renders(NotificationKind.TASK_REMINDER)
def task_reminder(r: Renderer, d: Delivery) -> Rendered:
    card = r.card(d)
    slot = str(d.data.get("slot", ""))
    head = {"lead": "⏰ Coming up", "due": "⏰ Due now"}.get(slot, "⚠️ Overdue")
    rows = list(markup_for(r, card).inline_keyboard)
    rows.insert(0, [InlineKeyboardButton("Snooze 1h", callback_data=encode(Snooze(card.id, "1h"))),
                    InlineKeyboardButton("Snooze until tomorrow", callback_data=encode(Snooze(card.id, "tomorrow")))])
    return new_card(r, d, card, f"{head}: {card_text(card, r.org_tz)}", InlineKeyboardMarkup(rows))


@renders(NotificationKind.TASK_ESCALATED)
def task_escalated(r: Renderer, d: Delivery) -> Rendered:
    card = r.card(d)
    return Rendered(f"⚠️ <b>{html.escape(card.title)}</b> for {html.escape(card.assignee_name)} is overdue "
                    f"(was due {local(card.due_at, d.recipient_tz, r.org_tz)}).")


@renders(NotificationKind.OVERDUE_DIGEST)
def overdue_digest(r: Renderer, d: Delivery) -> Rendered:
    count = int(d.data.get("count", 0))
    return Rendered(f"⚠️ {plural(count, 'task')} you assigned {'is' if count == 1 else 'are'} well overdue. "
                    "/assigned shows who has not finished.")


@renders(NotificationKind.BRIEF)
def brief(r: Renderer, d: Delivery) -> Rendered:
    return Rendered(brief_text(d.data))
