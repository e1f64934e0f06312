"""The error handler: log with context, apologise briefly, never stop the bot."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import CallbackContext

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on our side. Please try again in a moment."


async def on_error(update: object, context: CallbackContext) -> None:  # type: ignore[type-arg]
    where = ""
    if isinstance(update, Update):
        kind = "callback" if update.callback_query else "message" if update.effective_message else "update"
        where = f" (update {update.update_id}, {kind}, chat {update.effective_chat.id if update.effective_chat else '-'})"
    log.error("handler failed%s: %r", where, context.error, exc_info=context.error)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query:
            await update.callback_query.answer(APOLOGY)
        elif update.effective_message:
            await update.effective_message.reply_text(APOLOGY)
    except TelegramError:
        log.warning("could not send the apology for update %s", update.update_id)
