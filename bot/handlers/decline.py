"""Declining a task in the chat (Decline on the card, then the reason) and reassigning a declined one
(Reassign… on the assigner's message, then a person)."""

from __future__ import annotations

import asyncio
import html

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import callbacks
from bot.conversations import IdleEndingConversation, cancel_step
from bot.decline_callbacks import DeclineButton, ReassignPage, ReassignTo
from bot.deps import deps_of
from bot.identity import person_of
from bot.messages.decline import PER_PAGE, candidates_keyboard
from domain.actors import Actor
from domain.errors import DomainError, InvalidInput
from domain.tasks import decline

REASON = 0
DECLINE_KEY = "decline_task_id"


async def on_decline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Decline pressed on a task card: ask why (the domain refuses anyone but the assignee)."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    button = callbacks.decode_as(query.data, DeclineButton)
    person = person_of(context)
    if button is None or person is None:
        await query.answer("This button is no longer valid.", show_alert=True)
        return ConversationHandler.END
    try:
        card = await asyncio.to_thread(decline.check_decline, deps_of(context).db.uow(readonly=True),
                                       Actor.telegram(person.id), button.task_id)
    except DomainError as exc:
        await query.answer(exc.message, show_alert=True)
        return ConversationHandler.END
    context.user_data[DECLINE_KEY] = button.task_id
    await query.answer()
    assert update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id,
        f"Why do you decline <b>{html.escape(card.title)}</b>? Type the reason (up to {decline.MAX_REASON} "
        f"characters); {html.escape(card.assigner_name)} will read it. (/cancel to keep the task)",
        parse_mode=ParseMode.HTML)
    return REASON


async def got_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The reason typed: decline, or ask again when it is empty or too long."""
    assert update.effective_message is not None and context.user_data is not None
    task_id, person = context.user_data.get(DECLINE_KEY), person_of(context)
    if task_id is None or person is None:
        return ConversationHandler.END
    try:
        result = await asyncio.to_thread(decline.decline_task, deps_of(context).db.uow(), Actor.telegram(person.id),
                                         task_id, update.effective_message.text or "")
    except InvalidInput as exc:
        await update.effective_message.reply_text(exc.message)
        return REASON
    except DomainError as exc:
        context.user_data.pop(DECLINE_KEY, None)
        await update.effective_message.reply_text(exc.message)
        return ConversationHandler.END
    context.user_data.pop(DECLINE_KEY, None)
    await update.effective_message.reply_text(result.message)
    return ConversationHandler.END


cancel_decline = cancel_step(DECLINE_KEY, said="Kept: the task is still yours.")


async def reassign_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reassign… (or Prev / Next): the people the declined task may go to, as buttons on the message."""
    query = update.callback_query
    assert query is not None
    button = callbacks.decode_as(query.data, ReassignPage)
    person = person_of(context)
    if button is None or person is None:
        await query.answer("This button is no longer valid.", show_alert=True)
        return
    try:
        people, total = await asyncio.to_thread(
            decline.reassign_candidates, deps_of(context).db.uow(readonly=True), Actor.telegram(person.id),
            button.task_id, PER_PAGE, button.page * PER_PAGE)
    except DomainError as exc:
        await query.answer(exc.message, show_alert=True)
        return
    if not people:
        await query.answer("There is nobody else you can give this task to.", show_alert=True)
        return
    await query.answer("Who should do it instead?")
    try:
        await query.edit_message_reply_markup(candidates_keyboard(button.task_id, people, total, button.page))
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def reassign_to(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A person chosen: the declined task goes to them (once); the message says so, without buttons."""
    query = update.callback_query
    assert query is not None
    button = callbacks.decode_as(query.data, ReassignTo)
    person = person_of(context)
    if button is None or person is None:
        await query.answer("This button is no longer valid.", show_alert=True)
        return
    try:
        result = await asyncio.to_thread(decline.reassign_task, deps_of(context).db.uow(),
                                         Actor.telegram(person.id), button.task_id, button.person_id)
    except DomainError as exc:
        await query.answer(exc.message, show_alert=True)
        return
    await query.answer(result.message)
    text = query.message.text_html if query.message is not None and query.message.text else ""  # type: ignore[union-attr]
    await query.edit_message_text(f"{text}\n↪️ Reassigned to {html.escape(result.assignee_name)}.".strip(),
                                  parse_mode=ParseMode.HTML)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """The decline conversation and the reassign buttons."""
    return [
        IdleEndingConversation(
            entry_points=[CallbackQueryHandler(on_decline, pattern=callbacks.pattern(DeclineButton))],
            states={REASON: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_reason)]},
            fallbacks=[CommandHandler("cancel", cancel_decline)],
            name="task_decline",
            allow_reentry=True,
            idle_text="The decline waited for a reason for over an hour, so it has ended; the task is still yours.",
        ),
        CallbackQueryHandler(reassign_page, pattern=callbacks.pattern(ReassignPage)),
        CallbackQueryHandler(reassign_to, pattern=callbacks.pattern(ReassignTo)),
    ]
