"""/enrol (admins): add a student to a batch from the chat: pick the batch, pick or type the student,
confirm. The roster service decides who may and refuses bad input (a duplicate, an inactive batch)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
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
from bot.deps import deps_of
from bot.enrol_callbacks import EnrolBatch, EnrolCancel, EnrolConfirm, EnrolStudent
from bot.identity import person_of
from bot.messages import limits
from domain.actors import Actor
from domain.attendance import rosters, schedule
from domain.errors import DomainError, Forbidden
from domain.words import day_text

BATCH, STUDENT, CONFIRM = range(3)
DRAFT = "enrol_draft"
MAX_BATCHES = 40


@dataclass
class Draft:
    batch_id: int = 0
    student_id: int = 0


def _draft(context: ContextTypes.DEFAULT_TYPE) -> Draft:
    assert context.user_data is not None
    return context.user_data.setdefault(DRAFT, Draft())


def _button(text: str, data: callbacks.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(limits.clip(text, 60), callback_data=callbacks.encode(data))  # type: ignore[arg-type]


def _actor(context: ContextTypes.DEFAULT_TYPE) -> Actor | None:
    person = person_of(context)
    return Actor.telegram(person.id) if person is not None else None


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/enrol: the active batches as buttons (admins only)."""
    assert update.effective_message is not None and context.user_data is not None
    actor = _actor(context)
    try:
        if actor is None:
            raise Forbidden("Only admins can enrol students here.")
        found = await asyncio.to_thread(rosters.chat_batches, deps_of(context).db.uow(readonly=True), actor)
    except Forbidden:
        await update.effective_message.reply_text("Only admins can enrol students here; teachers manage their "
                                                  "rosters in the console (Batches).")
        return ConversationHandler.END
    if not found:
        await update.effective_message.reply_text("There are no active batches yet; create one in the console "
                                                  "(Batches).")
        return ConversationHandler.END
    context.user_data[DRAFT] = Draft()
    rows = [[_button(name, EnrolBatch(i))] for i, name in found[:MAX_BATCHES]]
    more = f" (the first {MAX_BATCHES}; the console has them all)" if len(found) > MAX_BATCHES else ""
    await update.effective_message.reply_text(f"Enrol a student: which batch?{more} (/cancel to stop)",
                                              reply_markup=InlineKeyboardMarkup(rows))
    return BATCH


async def batch_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A batch chosen: offer students not in it."""
    query = update.callback_query
    assert query is not None
    button = callbacks.decode_as(query.data, EnrolBatch)
    if button is None:
        await query.answer("This button is no longer valid.")
        return BATCH
    _draft(context).batch_id = button.batch_id
    await query.answer()
    return await show_students(update, context, "")


async def show_students(update: Update, context: ContextTypes.DEFAULT_TYPE, search: str) -> int:
    """Up to eight students not in the batch (matching a typed name) as buttons."""
    assert update.effective_chat is not None
    actor, draft = _actor(context), _draft(context)
    try:
        if actor is None:
            raise DomainError("Your account is not active.")
        name, found, total = await asyncio.to_thread(rosters.candidates, deps_of(context).db.uow(readonly=True),
                                                     actor, draft.batch_id, search)
    except DomainError as exc:
        await context.bot.send_message(update.effective_chat.id, exc.message)
        return ConversationHandler.END
    if not found:
        text = (f"No student matching “{limits.clip(search, 60)}” is outside {name}. Type another name."
                if search else f"Every student is in {name} already. /cancel to stop.")
        await context.bot.send_message(update.effective_chat.id, text)
        return STUDENT
    extra = f" ({total} match; type more of a name to narrow it)" if total > len(found) else ""
    await context.bot.send_message(
        update.effective_chat.id, f"{name}: which student? Tap one, or type part of a name{extra}.",
        reply_markup=InlineKeyboardMarkup([[_button(n, EnrolStudent(i))] for i, n in found]))
    return STUDENT


async def student_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A typed name: the matching students."""
    assert update.effective_message is not None
    return await show_students(update, context, (update.effective_message.text or "")[:60])


async def student_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A student chosen: ask to confirm."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    button = callbacks.decode_as(query.data, EnrolStudent)
    if button is None:
        await query.answer("This button is no longer valid.")
        return STUDENT
    draft = _draft(context)
    draft.student_id = button.student_id
    await query.answer()
    batch, student = await asyncio.to_thread(rosters.names, deps_of(context).db.uow(readonly=True),
                                             draft.batch_id, draft.student_id)
    today = await asyncio.to_thread(_today, context)
    await context.bot.send_message(
        update.effective_chat.id, limits.clip(f"Enrol {student} in {batch} from today ({day_text(today)} {today:%Y})?", 4000),
        reply_markup=InlineKeyboardMarkup([[_button("Confirm", EnrolConfirm()), _button("Cancel", EnrolCancel())]]))
    return CONFIRM


def _today(context: ContextTypes.DEFAULT_TYPE) -> date:
    deps = deps_of(context)
    return schedule.local_today_at(deps.db.clock.now(), deps.settings.timezone)


async def confirm_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Confirm: enrol (the service refuses duplicates and inactive batches); Cancel: nothing."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    button = callbacks.decode(query.data)
    if isinstance(button, EnrolCancel):
        await query.answer("Cancelled.")
        await query.edit_message_text("Cancelled; nobody was enrolled.")
        context.user_data.pop(DRAFT, None)
        return ConversationHandler.END
    if not isinstance(button, EnrolConfirm):
        await query.answer("This button is no longer valid.")
        return CONFIRM
    actor, draft = _actor(context), _draft(context)
    try:
        if actor is None:
            raise DomainError("Your account is not active.")
        await asyncio.to_thread(rosters.enrol, deps_of(context).db.uow(), actor, draft.batch_id, draft.student_id,
                                _today(context))
    except DomainError as exc:
        await query.answer()
        await query.edit_message_text(limits.clip(f"Not enrolled: {exc.message}", 4000))
        context.user_data.pop(DRAFT, None)
        return ConversationHandler.END
    batch, student = await asyncio.to_thread(rosters.names, deps_of(context).db.uow(readonly=True),
                                             draft.batch_id, draft.student_id)
    await query.answer("Enrolled.")
    await query.edit_message_text(limits.clip(f"Enrolled {student} in {batch}. Their teachers see them on the "
                                             "next class's sheet.", 4000))
    context.user_data.pop(DRAFT, None)
    return ConversationHandler.END


cancel = cancel_step(DRAFT, said="Stopped; nobody was enrolled.")


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """The /enrol conversation."""
    text = filters.TEXT & ~filters.COMMAND
    return [IdleEndingConversation(
        entry_points=[CommandHandler("enrol", start)],
        states={
            BATCH: [CallbackQueryHandler(batch_button, pattern=callbacks.pattern(EnrolBatch))],
            STUDENT: [CallbackQueryHandler(student_button, pattern=callbacks.pattern(EnrolStudent)),
                      MessageHandler(text, student_text)],
            CONFIRM: [CallbackQueryHandler(confirm_button, pattern=callbacks.pattern(EnrolConfirm))],
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        name="enrol",
        idle_text="Your /enrol was left unfinished for over an hour, so it has ended; nobody was enrolled.",
    )]
