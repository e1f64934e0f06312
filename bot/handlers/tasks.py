"""Task buttons: Start, Complete, Approve; parsed strictly, authorised in the domain."""

from __future__ import annotations

import asyncio
import re

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from bot.deps import deps_of
from bot.handlers.account import current_person
from bot.render import assignee_keyboard, card_text, review_keyboard
from domain.actors import Actor
from domain.errors import DomainError
from domain.services import tasks, views

PATTERN = re.compile(r"^task:(start|complete|approve|reopen):(\d{1,12})$")

SERVICES = {
    "start": tasks.start_task,
    "complete": tasks.complete_task,
    "approve": tasks.approve_task,
}


async def on_task_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    match = PATTERN.match(query.data)
    if match is None:
        await query.answer("This button is no longer valid.")
        return
    action, task_id = match.group(1), int(match.group(2))
    person = await current_person(update, context)
    if person is None:
        await query.answer("Your account is not linked or not active. Send /start.", show_alert=True)
        return
    if action == "reopen":
        await query.answer("To reopen, open the task on the web dashboard and give a reason.", show_alert=True)
        return
    deps = deps_of(context)
    try:
        result = await asyncio.to_thread(SERVICES[action], deps.db.uow(), Actor.telegram(person.id), task_id)
    except DomainError as exc:
        await query.answer(exc.message, show_alert=True)
        return
    await query.answer(result.message)
    card = await asyncio.to_thread(views.task_card, deps.db.uow(readonly=True), task_id)
    keyboard = review_keyboard(card) if action == "approve" else assignee_keyboard(card)
    if action == "approve":
        text = f"{card_text(card, deps.settings.timezone)}\nReviewed by you."
    else:
        text = card_text(card, deps.settings.timezone)
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    return [CallbackQueryHandler(on_task_button, pattern=r"^task:")]
