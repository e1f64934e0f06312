"""Snooze buttons on reminders, and /brief on demand."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ContextTypes

from bot import callbacks
from bot.callbacks import Snooze
from bot.deps import deps_of
from bot.identity import person_of
from bot.messages import limits
from bot.messages.reminders import brief_text
from bot.timefmt import local
from domain.actors import Actor
from domain.errors import DomainError
from domain.reminders import briefs
from domain.reminders import services as reminders


async def snooze_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Snooze a task's reminders for an hour or until tomorrow."""
    query = update.callback_query
    assert query is not None
    button = callbacks.decode_as(query.data, Snooze)
    person = person_of(context)
    if button is None or person is None:
        await query.answer("This button is no longer valid.")
        return
    deps = deps_of(context)
    try:
        until = await asyncio.to_thread(reminders.snooze, deps.db.uow(), Actor.telegram(person.id),
                                        button.task_id, button.until, deps.settings.timezone)
    except DomainError as exc:
        await query.answer(exc.message, show_alert=True)
        return
    await query.answer(f"Snoozed until {local(until, person.timezone, deps.settings.timezone)}.")


async def brief_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/brief: today's brief on demand."""
    message = update.effective_message
    person = person_of(context)
    if message is None or person is None:
        return
    deps = deps_of(context)
    brief = await asyncio.to_thread(briefs.compose, deps.db.uow(readonly=True), person.id, deps.settings.timezone)
    if brief.empty:
        await message.reply_text("Nothing needs you today. 🌤")
        return
    await message.reply_text(limits.fit(brief_text({"day": brief.day.isoformat(), "sections": brief.sections})),
                             parse_mode=ParseMode.HTML)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    return [CallbackQueryHandler(snooze_button, pattern=callbacks.pattern(Snooze)), CommandHandler("brief", brief_command)]
