"""Homework buttons and steps on one item: a student's Hand in (text, photos, files, then Send) and Mark
done; a teacher's Open (the hand-in with its files, sent again by Telegram's file_id), Review (a short
comment the student receives) and View (a homework's hand-ins). The conversation is built in
bot.handlers.homework; the services decide who may."""

from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes, ConversationHandler

from bot import callbacks
from bot.deps import deps_of
from bot.handlers.request import receive_attachment
from bot.homework_callbacks import HomeworkItemButton, HomeworkStep, HomeworkView
from bot.identity import person_of
from bot.messages import homework as words
from bot.messages import limits
from domain.actors import Actor
from domain.errors import DomainError
from domain.homework import queries, services
from domain.homework.rows import MAX_COMMENT, MAX_FILES, MAX_HAND_IN, FileRow
from domain.tickets.rows import AttachmentIn
from domain.words import plural

HANDIN, REVIEW = 10, 11
WORK = "homework_work"


@dataclass
class Work:
    item_id: int = 0
    text: list[str] = field(default_factory=list)
    files: list[AttachmentIn] = field(default_factory=list)


def _work(context: ContextTypes.DEFAULT_TYPE) -> Work:
    assert context.user_data is not None
    return context.user_data.setdefault(WORK, Work())


def _actor(context: ContextTypes.DEFAULT_TYPE) -> Actor | None:
    person = person_of(context)
    return Actor.telegram(person.id) if person is not None else None


def _tz(context: ContextTypes.DEFAULT_TYPE) -> tuple[str | None, str]:
    person = person_of(context)
    return (person.timezone if person else None), deps_of(context).settings.timezone


def _button(text: str, data: callbacks.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(limits.clip(text, 60), callback_data=callbacks.encode(data))  # type: ignore[arg-type]


async def _say(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str,
               markup: InlineKeyboardMarkup | None = None) -> None:
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup, parse_mode=ParseMode.HTML)


async def send_files(update: Update, context: ContextTypes.DEFAULT_TYPE, files: tuple[FileRow, ...] | list[FileRow],
                     caption: str) -> None:
    """Show kept files again by Telegram's file_id (a file kept only on the web is named, not sent)."""
    assert update.effective_chat is not None
    chat = update.effective_chat.id
    for f in list(files)[:MAX_FILES]:
        try:
            if f.telegram_file_id and f.kind == "photo":
                await context.bot.send_photo(chat, f.telegram_file_id, caption=limits.clip(caption, 1000))
            elif f.telegram_file_id:
                await context.bot.send_document(chat, f.telegram_file_id, caption=limits.clip(caption, 1000))
            else:
                await context.bot.send_message(chat, limits.clip(f"{caption}: {f.filename or f.kind} (on the web)", 4000))
        except TelegramError:
            await context.bot.send_message(chat, limits.clip(f"{caption}: a file could not be shown.", 4000))


async def hand_in_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Hand in: ask for the work (text, photos, files), then Send."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    button = callbacks.decode_as(query.data, HomeworkItemButton)
    actor = _actor(context)
    if button is None or actor is None:
        await query.answer("This button is no longer valid.")
        return ConversationHandler.END
    try:
        detail, item = await asyncio.to_thread(queries.item_detail, deps_of(context).db.uow(readonly=True), actor,
                                               button.item_id)
    except DomainError as exc:
        await query.answer(exc.message, show_alert=True)
        return ConversationHandler.END
    if item.handed_in:
        await query.answer("Handed in already.", show_alert=True)
        return ConversationHandler.END
    await query.answer()
    context.user_data[WORK] = Work(item.id)
    await _say(update, context, f"Hand in <b>{html.escape(detail.summary.title)}</b>: send your answer as text, "
               f"photos or files (up to {MAX_FILES}), then tap Send. /cancel to stop.", _send_keyboard())
    return HANDIN


def _send_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button("Send", HomeworkStep("ok")), _button("Cancel", HomeworkStep("no"))]])


async def hand_in_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Text for the hand-in."""
    assert update.effective_message is not None
    work = _work(context)
    text = (update.effective_message.text or "").strip()
    if len("\n".join([*work.text, text])) > MAX_HAND_IN:
        await update.effective_message.reply_text(f"That is too long (at most {MAX_HAND_IN} characters in all).")
        return HANDIN
    work.text.append(text)
    await _say(update, context, "Got it. Send more, or tap Send.", _send_keyboard())
    return HANDIN


async def hand_in_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A photo or file for the hand-in (checked and kept by the attachment store)."""
    assert update.effective_message is not None
    work = _work(context)
    if len(work.files) >= MAX_FILES:
        await update.effective_message.reply_text(f"That is {MAX_FILES} files already; tap Send.")
        return HANDIN
    try:
        got = await receive_attachment(context, update.effective_message)
    except DomainError as exc:
        await update.effective_message.reply_text(exc.message)
        return HANDIN
    if got is not None:
        work.files.append(got)
    caption = (update.effective_message.caption or "").strip()
    if caption:
        work.text.append(caption)
    await _say(update, context, f"Got {plural(len(work.files), 'file')}. Send more, or tap Send.", _send_keyboard())
    return HANDIN


async def hand_in_send(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Send (or Cancel) the hand-in."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    work, actor = _work(context), _actor(context)
    if callbacks.decode(query.data) != HomeworkStep("ok") or actor is None:
        await query.answer("Cancelled.")
        await query.edit_message_text("Cancelled; nothing was handed in.")
        context.user_data.pop(WORK, None)
        return ConversationHandler.END
    if not work.text and not work.files:
        await query.answer("Send your work first (text, a photo or a file), or use Mark done.", show_alert=True)
        return HANDIN
    try:
        result = await asyncio.to_thread(services.hand_in, deps_of(context).db.uow(), actor, work.item_id,
                                         "\n".join(work.text), list(work.files))
    except DomainError as exc:
        await query.answer(exc.message, show_alert=True)
        return HANDIN
    await query.answer("Handed in.")
    await query.edit_message_text(html.escape(result.message), parse_mode=ParseMode.HTML)
    context.user_data.pop(WORK, None)
    return ConversationHandler.END


async def mark_done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Mark done: a hand-in with nothing attached (late after the due time)."""
    query = update.callback_query
    assert query is not None
    button, actor = callbacks.decode_as(query.data, HomeworkItemButton), _actor(context)
    if button is None or actor is None:
        await query.answer("This button is no longer valid.")
        return
    try:
        result = await asyncio.to_thread(services.hand_in, deps_of(context).db.uow(), actor, button.item_id)
    except DomainError as exc:
        await query.answer(exc.message, show_alert=True)
        return
    await query.answer(result.message if not result.changed else "Marked done.")
    if result.changed and query.message is not None:
        await query.edit_message_reply_markup(None)
        await _say(update, context, html.escape(result.message))


async def open_item(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Open a hand-in: its text, late flag and files (sent again), with Review."""
    query = update.callback_query
    assert query is not None
    button, actor = callbacks.decode_as(query.data, HomeworkItemButton), _actor(context)
    if button is None or actor is None:
        await query.answer("This button is no longer valid.")
        return
    try:
        detail, item = await asyncio.to_thread(queries.item_detail, deps_of(context).db.uow(readonly=True), actor,
                                               button.item_id)
    except DomainError as exc:
        await query.answer(exc.message, show_alert=True)
        return
    await query.answer()
    markup = (InlineKeyboardMarkup([[_button("Review", HomeworkItemButton("r", item.id))]])
              if detail.may_review and item.state in ("handed_in", "late") else None)
    await _say(update, context, words.hand_in_text(detail, item, *_tz(context)), markup)
    await send_files(update, context, item.files, f"{item.student}: {detail.summary.title}")


async def view_homework(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A homework's hand-ins, for its batch's teachers and admins."""
    query = update.callback_query
    assert query is not None
    button, actor = callbacks.decode_as(query.data, HomeworkView), _actor(context)
    if button is None or actor is None:
        await query.answer("This button is no longer valid.")
        return
    try:
        detail = await asyncio.to_thread(queries.homework_detail, deps_of(context).db.uow(readonly=True), actor,
                                         button.homework_id)
    except DomainError as exc:
        await query.answer(exc.message, show_alert=True)
        return
    await query.answer()
    await _say(update, context, *words.hand_ins(detail, *_tz(context)))


async def review_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Review: ask for a short comment (or Skip)."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    button = callbacks.decode_as(query.data, HomeworkItemButton)
    if button is None:
        await query.answer("This button is no longer valid.")
        return ConversationHandler.END
    await query.answer()
    context.user_data[WORK] = Work(button.item_id)
    await _say(update, context, f"Your comment for the student (up to {MAX_COMMENT} characters), or tap Skip. "
               "/cancel to stop.", InlineKeyboardMarkup([[_button("Skip", HomeworkStep("skip"))]]))
    return REVIEW


async def review_comment(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The comment (or Skip): mark the hand-in reviewed; the student is told."""
    assert context.user_data is not None
    actor, work = _actor(context), _work(context)
    comment = ""
    if update.callback_query is not None:
        await update.callback_query.answer()
    elif update.effective_message is not None:
        comment = update.effective_message.text or ""
    try:
        if actor is None:
            raise DomainError("Your account is not active.")
        result = await asyncio.to_thread(services.review, deps_of(context).db.uow(), actor, work.item_id, comment)
    except DomainError as exc:
        await _say(update, context, html.escape(exc.message))
        return REVIEW if "characters" in exc.message else ConversationHandler.END
    context.user_data.pop(WORK, None)
    await _say(update, context, html.escape(result.message))
    return ConversationHandler.END
