"""Snooze buttons on reminders, and /brief on demand."""

from __future__ import annotations

import asyncio
import re

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.deps import deps_of
from bot.handlers.account import current_person
from bot.render import brief_text
from bot.timefmt import local
from domain.actors import Actor
from domain.errors import DomainError
from domain.reminders import briefs
from domain.reminders import services as reminders

SNOOZE = re.compile(r"^sn:(\d{1,12}):(1h|tomorrow)$")


async def snooze_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    match = SNOOZE.match(query.data or "")
    person = await current_person(update, context)
    if match is None or person is None:
        await query.answer("This button is no longer valid.")
        return
    deps = deps_of(context)
    try:
        until = await asyncio.to_thread(reminders.snooze, deps.db.uow(), Actor.telegram(person.id),
                                        int(match.group(1)), match.group(2), deps.settings.timezone)
    except DomainError as exc:
        await query.answer(exc.message, show_alert=True)
        return
    await query.answer(f"Snoozed until {local(until, person.timezone, deps.settings.timezone)}.")


async def brief_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    person = await current_person(update, context)
    if message is None or person is None:
        return
    deps = deps_of(context)
    brief = await asyncio.to_thread(briefs.compose, deps.db.uow(readonly=True), person.id, deps.settings.timezone)
    if brief.empty:
        await message.reply_text("Nothing needs you today. 🌤")
        return
    await message.reply_text(brief_text({"day": brief.day.isoformat(), "sections": brief.sections}),
                             parse_mode=ParseMode.HTML)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    return [CallbackQueryHandler(snooze_button, pattern=r"^sn:"), CommandHandler("brief", brief_command)]
