"""/alerts (the unread ones) and an alert's Open / Dismiss buttons."""

from __future__ import annotations

import asyncio
import contextlib

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ContextTypes

from bot import callbacks
from bot.alert_callbacks import AlertButton
from bot.deps import deps_of
from bot.identity import person_of
from bot.messages.alerts import alert_text, unread_list
from domain.actors import Actor
from domain.alerts import services as alerts
from domain.errors import DomainError

NOT_LINKED = "You are not linked yet. Send /start to begin."


async def alerts_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/alerts: my unread alerts, each with a Dismiss button."""
    assert update.effective_message is not None
    person = person_of(context)
    if person is None:
        await update.effective_message.reply_text(NOT_LINKED)
        return
    rows = await asyncio.to_thread(alerts.list_unread, deps_of(context).db.uow(readonly=True),
                                   Actor.telegram(person.id), 10)
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(f"Open: {a.title[:30]}", callback_data=callbacks.encode(AlertButton("o", a.id))),  # type: ignore[arg-type]
        InlineKeyboardButton("Dismiss", callback_data=callbacks.encode(AlertButton("d", a.id))),  # type: ignore[arg-type]
    ] for a in rows]) if rows else None
    await update.effective_message.reply_text(unread_list(rows), parse_mode=ParseMode.HTML, reply_markup=markup)


async def alert_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Open (mark read, show it whole) or Dismiss (it leaves my lists; the buttons go)."""
    query = update.callback_query
    assert query is not None
    button = callbacks.decode_as(query.data, AlertButton)
    person = person_of(context)
    if button is None or person is None:
        await query.answer("This button is no longer valid.", show_alert=True)
        return
    service = alerts.dismiss if button.action == "d" else alerts.mark_read
    try:
        row = await asyncio.to_thread(service, deps_of(context).db.uow(), Actor.telegram(person.id), button.alert_id)
    except DomainError as exc:
        await query.answer(exc.message, show_alert=True)
        return
    if button.action == "d":
        await query.answer("Dismissed.")
        if query.message is not None and query.message.text and "Unread alerts" not in query.message.text:
            with contextlib.suppress(TelegramError):
                await query.edit_message_text(alert_text(row.severity, row.title, row.text) + "\n<i>Dismissed.</i>",
                                              parse_mode=ParseMode.HTML)
        return
    await query.answer()
    assert update.effective_chat is not None
    where = f"\n{row.item_kind} #{row.item_id}" if row.item_kind and row.item_id else ""
    await context.bot.send_message(update.effective_chat.id, alert_text(row.severity, row.title, row.text) + where,
                                   parse_mode=ParseMode.HTML)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """/alerts and the alert buttons."""
    return [CommandHandler("alerts", alerts_command),
            CallbackQueryHandler(alert_button, pattern=callbacks.pattern(AlertButton))]
