"""/homework. Teachers and admins: their homework with "18 of 24 handed in" (View each), then set new
homework: batch (buttons) -> title -> description -> due time -> optional files -> Confirm. Students: their
open homework with Hand in / Mark done, and the teacher's files. The item buttons are in
bot.handlers.homework_work; one conversation holds every step, so a step never meets another's."""

from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass, field
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
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
from bot.fallback import within_conversation
from bot.handlers import homework_work as work
from bot.handlers.request import receive_attachment
from bot.homework_callbacks import HomeworkBatch, HomeworkStep, HomeworkView
from bot.identity import person_of
from bot.messages import homework as words
from bot.messages import limits
from bot.timefmt import due_phrase
from domain.actors import Actor
from domain.errors import DomainError
from domain.homework import queries, services
from domain.homework.rows import MAX_DESCRIPTION, MAX_TITLE, HomeworkSpec, shorten
from domain.models import Role
from domain.tickets.rows import AttachmentIn
from domain.timeparse import parse_due

BATCH, TITLE, DESCRIPTION, DUE, FILES, CONFIRM = range(6)
DRAFT = "homework_draft"
MAX_SET_FILES = 5
MAX_BATCHES = 30
STAFF = (Role.ADMIN, Role.TEACHER)


@dataclass
class Draft:
    batch_id: int = 0
    batch: str = ""
    title: str = ""
    description: str = ""
    due_at: datetime | None = None
    files: list[AttachmentIn] = field(default_factory=list)


def _draft(context: ContextTypes.DEFAULT_TYPE) -> Draft:
    assert context.user_data is not None
    return context.user_data.setdefault(DRAFT, Draft())


def _button(text: str, data: callbacks.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(limits.clip(text, 60), callback_data=callbacks.encode(data))  # type: ignore[arg-type]


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/homework: a student's open homework; a teacher's homework and then the batch to set new homework for."""
    assert context.user_data is not None
    person = person_of(context)
    if person is None:
        await work._say(update, context, "You are not linked yet. Send /start to begin.")
        return ConversationHandler.END
    actor, db = Actor.telegram(person.id), deps_of(context).db
    tz = work._tz(context)
    if person.role not in STAFF:
        rows = await asyncio.to_thread(queries.my_open, db.uow(readonly=True), actor)
        await work._say(update, context, words.student_list(rows, *tz), words.student_keyboard_list(rows))
        for h in rows[:5]:
            if h.files:
                files = await asyncio.to_thread(queries.homework_files, db.uow(readonly=True), actor, h.homework_id)
                await work.send_files(update, context, files, h.title)
        return ConversationHandler.END
    try:
        mine = await asyncio.to_thread(queries.list_homework, db.uow(readonly=True), actor)
        batches = await asyncio.to_thread(queries.batch_choices, db.uow(readonly=True), actor)
    except DomainError as exc:
        await work._say(update, context, html.escape(exc.message))
        return ConversationHandler.END
    if mine:
        await work._say(update, context, *words.teacher_list(mine[:10], *tz))
    if not batches:
        await work._say(update, context, "You teach no active batch, so there is nothing to set homework for.")
        return ConversationHandler.END
    context.user_data[DRAFT] = Draft()
    rows = [[_button(name, HomeworkBatch(i))] for i, name in batches[:MAX_BATCHES]]
    await work._say(update, context, "Set homework: which batch? (/cancel to stop)", InlineKeyboardMarkup(rows))
    return BATCH


async def got_batch(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The batch chosen: ask the title."""
    query = update.callback_query
    assert query is not None
    chosen = callbacks.decode_as(query.data, HomeworkBatch)
    person = person_of(context)
    if chosen is None or person is None:
        await query.answer("This button is no longer valid.")
        return BATCH
    batches = dict(await asyncio.to_thread(queries.batch_choices, deps_of(context).db.uow(readonly=True),
                                           Actor.telegram(person.id)))
    if chosen.batch_id not in batches:
        await query.answer("You cannot set homework for that batch.", show_alert=True)
        return BATCH
    draft = _draft(context)
    draft.batch_id, draft.batch = chosen.batch_id, batches[chosen.batch_id]
    await query.answer()
    await query.edit_message_text(f"Homework for <b>{html.escape(draft.batch)}</b>", parse_mode=ParseMode.HTML)
    await work._say(update, context, "The title? (a few words)")
    return TITLE


async def got_title(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The title: ask the description."""
    assert update.effective_message is not None
    title = " ".join((update.effective_message.text or "").split())
    if not title or len(title) > MAX_TITLE:
        await update.effective_message.reply_text(f"A title of 1 to {MAX_TITLE} characters, please.")
        return TITLE
    _draft(context).title = title
    await work._say(update, context, "The description: what to do, pages, questions. Or skip.",
                    InlineKeyboardMarkup([[_button("Skip", HomeworkStep("skip"))]]))
    return DESCRIPTION


async def got_description(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The description (or Skip): ask the due time."""
    if update.callback_query:
        await update.callback_query.answer()
    elif update.effective_message is not None:
        text = (update.effective_message.text or "").strip()
        if len(text) > MAX_DESCRIPTION:
            await update.effective_message.reply_text(f"That is too long (at most {MAX_DESCRIPTION} characters).")
            return DESCRIPTION
        _draft(context).description = text
    await work._say(update, context, "When is it due? For example “fri 17:00”, “tomorrow 18:00” or “in 3 days”.")
    return DUE


async def got_due(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The due time (in the teacher's zone): ask for files."""
    assert update.effective_message is not None
    deps, person = deps_of(context), person_of(context)
    try:
        due = parse_due(update.effective_message.text or "", deps.db.clock.now(),
                        (person.timezone if person else None) or deps.settings.timezone)
    except DomainError as exc:
        await update.effective_message.reply_text(exc.message)
        return DUE
    _draft(context).due_at = due
    return await ask_files(update, context)


async def ask_files(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Up to MAX_SET_FILES photos or files (a worksheet), then Done."""
    have = len(_draft(context).files)
    if have >= MAX_SET_FILES:
        return await summary(update, context)
    text = (f"Attach a worksheet? Send up to {MAX_SET_FILES} photos or files, or tap Done." if not have
            else f"Got {have} of {MAX_SET_FILES}. Send another, or tap Done.")
    await work._say(update, context, text, InlineKeyboardMarkup([[_button("Done", HomeworkStep("done"))]]))
    return FILES


async def got_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A file for the homework."""
    assert update.effective_message is not None
    try:
        file = await receive_attachment(context, update.effective_message)
    except DomainError as exc:
        await update.effective_message.reply_text(exc.message)
        return FILES
    if file is not None:
        _draft(context).files.append(file)
    return await ask_files(update, context)


async def files_done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Done with files: the summary."""
    if update.callback_query:
        await update.callback_query.answer()
    return await summary(update, context)


async def summary(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The homework as it will be set, with Confirm / Cancel."""
    draft = _draft(context)
    tz = work._tz(context)
    lines = [f"<b>{html.escape(draft.title)}</b> · {html.escape(draft.batch)} · {due_phrase(draft.due_at, *tz)}",
             html.escape(shorten(draft.description, 1500)) if draft.description else "(no description)",
             f"Files: {len(draft.files)}", "Every student enrolled today gets it, with Hand in and Mark done."]
    await work._say(update, context, limits.fit("\n".join(lines)), InlineKeyboardMarkup(
        [[_button("Confirm", HomeworkStep("ok")), _button("Cancel", HomeworkStep("no"))]]))
    return CONFIRM


async def confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Confirm: set the homework (the students are told through the outbox)."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    draft, person = _draft(context), person_of(context)
    if callbacks.decode(query.data) != HomeworkStep("ok") or person is None or draft.due_at is None:
        await query.answer("Cancelled.")
        await query.edit_message_text("Cancelled; no homework was set.")
        context.user_data.pop(DRAFT, None)
        return ConversationHandler.END
    spec = HomeworkSpec(draft.batch_id, draft.title, draft.due_at, draft.description, tuple(draft.files))
    try:
        result = await asyncio.to_thread(services.assign, deps_of(context).db.uow(), Actor.telegram(person.id), spec)
    except DomainError as exc:
        await query.answer(exc.message, show_alert=True)
        return CONFIRM
    await query.answer("Set.")
    await query.edit_message_text(html.escape(result.message) + " Their hand-ins come to you here.",
                                  parse_mode=ParseMode.HTML, reply_markup=InlineKeyboardMarkup(
                                      [[_button("View hand-ins", HomeworkView(result.homework_id))]]))
    context.user_data.pop(DRAFT, None)
    return ConversationHandler.END


cancel = cancel_step(DRAFT, work.WORK, said="Stopped; nothing was changed.")


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """The /homework conversation (setting, handing in, reviewing) and the item buttons."""
    text = filters.TEXT & ~filters.COMMAND
    media = filters.PHOTO | filters.Document.ALL
    step = callbacks.pattern(HomeworkStep)
    return [
        IdleEndingConversation(
            entry_points=[CommandHandler("homework", start),
                          CallbackQueryHandler(work.hand_in_start, pattern=r"^hw:i:h:"),
                          CallbackQueryHandler(work.review_start, pattern=r"^hw:i:r:")],
            states={
                BATCH: [CallbackQueryHandler(got_batch, pattern=callbacks.pattern(HomeworkBatch))],
                TITLE: [MessageHandler(text, got_title)],
                DESCRIPTION: [MessageHandler(text, got_description), CallbackQueryHandler(got_description, pattern=step)],
                DUE: [MessageHandler(text, got_due)],
                FILES: [MessageHandler(media, got_file), CallbackQueryHandler(files_done, pattern=step)],
                CONFIRM: [CallbackQueryHandler(confirm, pattern=step)],
                work.HANDIN: [MessageHandler(text, work.hand_in_text), MessageHandler(media, work.hand_in_file),
                              CallbackQueryHandler(work.hand_in_send, pattern=step)],
                work.REVIEW: [MessageHandler(text, work.review_comment),
                              CallbackQueryHandler(work.review_comment, pattern=step)],
            },
            fallbacks=[CommandHandler("cancel", cancel), *within_conversation()],
            allow_reentry=True,
            name="homework",
            idle_text="Your /homework step was left unfinished for over an hour, so it has ended; nothing was "
                      "changed. Send /homework to start again.",
        ),
        CallbackQueryHandler(work.mark_done, pattern=r"^hw:i:d:"),
        CallbackQueryHandler(work.open_item, pattern=r"^hw:i:o:"),
        CallbackQueryHandler(work.view_homework, pattern=callbacks.pattern(HomeworkView)),
    ]
