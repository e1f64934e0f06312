"""Tasks in the chat: the Start / Complete / Approve / Reopen buttons, /tasks and /assigned."""

from __future__ import annotations

import asyncio
import contextlib
import html
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
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
from bot.callbacks import CancelAssignment, TaskButton, TaskListKeep, TaskListPage, encode
from bot.conversations import IdleEndingConversation, cancel_step
from bot.deps import deps_of
from bot.fallback import within_conversation
from bot.identity import person_of
from bot.messages import limits
from bot.messages.paging import nav_rows
from bot.messages.tasks import card_markup, card_text, completed_text, review_keyboard, state_line
from bot.timefmt import due_phrase
from domain.actors import Actor
from domain.errors import DomainError, InvalidInput
from domain.tasks import queries as task_queries
from domain.tasks import services as tasks
from domain.tasks.queries import TaskRow

PER_PAGE = 5
REASON = 0
REOPEN_KEY = "reopen_task_id"
REVIEW_MESSAGE_KEY = "reopen_review_message"  # (chat id, message id) of the pressed review message

SERVICES = {
    "start": tasks.start_task,
    "complete": tasks.complete_task,
    "approve": tasks.approve_task,
}


async def _edit(update: Update, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Edit the pressed message; an unchanged text is not an error."""
    assert update.callback_query is not None
    try:
        await update.callback_query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def on_task_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """Start / Complete / Approve / Reopen pressed on a task card or in the /tasks list."""
    query = update.callback_query
    if query is None or query.data is None:
        return None
    button = callbacks.decode_as(query.data, TaskButton)
    if button is None:
        await query.answer("This button is no longer valid.")
        return None
    action, task_id, page = button.action, button.task_id, button.list_page
    person = person_of(context)
    if person is None:
        await query.answer("Your account is not linked or not active. Send /start.", show_alert=True)
        return None
    deps = deps_of(context)
    if action == "reopen":
        return await ask_reason(update, context, person.id, task_id)
    try:
        result = await asyncio.to_thread(SERVICES[action], deps.db.uow(), Actor.telegram(person.id), task_id)
    except DomainError as exc:
        await query.answer(exc.message, show_alert=True)
        return None
    await query.answer(result.message)
    if page is not None:
        await show_list(update, context, int(page))
        return None
    if action == "approve":  # the assigner's message keeps who completed what
        card = await asyncio.to_thread(task_queries.task_card, deps.db.uow(readonly=True), task_id,
                                       with_progress=True)
        await _edit(update, f"{completed_text(card)}\n👍 Approved by you.", review_keyboard(card))
        return None
    card = result.task  # the card as the service left it (no second read)
    await _edit(update, card_text(card, deps.settings.timezone),
                card_markup(card, deps.links, deps.settings.app_base_url, deps.db.clock.now()))
    return None


# --- reopen asks for a reason ------------------------------------------------------------

async def ask_reason(update: Update, context: ContextTypes.DEFAULT_TYPE, person_id: int, task_id: int) -> int:
    """Ask the assigner (or an admin) why they reopen the task; the domain refuses anyone else."""
    assert update.callback_query is not None and context.user_data is not None
    try:
        card = await asyncio.to_thread(tasks.check_reopen, deps_of(context).db.uow(readonly=True),
                                       Actor.telegram(person_id), task_id)
    except DomainError as exc:
        await update.callback_query.answer(exc.message, show_alert=True)
        return ConversationHandler.END
    context.user_data[REOPEN_KEY] = task_id
    pressed = update.callback_query.message
    if pressed is not None:  # the review message, mended once the task is reopened
        context.user_data[REVIEW_MESSAGE_KEY] = (pressed.chat.id, pressed.message_id)
    await update.callback_query.answer()
    assert update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id,
        f"Why reopen <b>{html.escape(card.title)}</b> for {html.escape(card.assignee_name)}? "
        "Type the reason; they will read it. (/cancel to keep it as it is)", parse_mode=ParseMode.HTML)
    return REASON


async def got_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The reopen reason typed by the assigner: reopen, or ask again when the reason is invalid."""
    assert update.effective_message is not None and context.user_data is not None
    task_id = context.user_data.get(REOPEN_KEY)
    person = person_of(context)
    if task_id is None or person is None:
        return ConversationHandler.END
    try:
        result = await asyncio.to_thread(tasks.reopen_task, deps_of(context).db.uow(), Actor.telegram(person.id),
                                         task_id, update.effective_message.text or "")
    except InvalidInput as exc:  # no reason or too long a one: ask again
        await update.effective_message.reply_text(exc.message)
        return REASON
    except DomainError as exc:
        await update.effective_message.reply_text(exc.message)
        return ConversationHandler.END
    context.user_data.pop(REOPEN_KEY, None)
    await update.effective_message.reply_text(f"{result.message} The reason was sent.")
    review = context.user_data.pop(REVIEW_MESSAGE_KEY, None)
    if review is not None and result.changed:  # its Approve / Reopen buttons are stale now
        card = await asyncio.to_thread(task_queries.task_card, deps_of(context).db.uow(readonly=True), task_id,
                                       with_progress=True)
        with contextlib.suppress(TelegramError):  # gone or too old: the reply above says it all
            await context.bot.edit_message_text(f"{completed_text(card)}\n🔁 Reopened by you.", chat_id=review[0],
                                                message_id=review[1], parse_mode=ParseMode.HTML)
    return ConversationHandler.END


cancel_reason = cancel_step(REOPEN_KEY, REVIEW_MESSAGE_KEY, said="Kept as it is.")


# --- /tasks --------------------------------------------------------------------------------

def _list_view(cards: list[TaskRow], total: int, page: int, tz: str,
               now: datetime) -> tuple[str, InlineKeyboardMarkup | None]:
    if total == 0:
        return "You have no open tasks. 🎉", None
    pages = (total + PER_PAGE - 1) // PER_PAGE
    lines = [f"<b>Your open tasks</b> ({total}), page {page + 1} of {pages}:"]
    rows = []
    for n, card in enumerate(cards, start=1 + page * PER_PAGE):
        overdue = " ⚠️ overdue" if card.is_overdue(now) else ""
        lines.append(f"{n}. <b>{html.escape(card.title)}</b> · {due_phrase(card.due_at, card.assignee_timezone, tz)}"
                     f"{overdue} · {card.priority.value} · {state_line(card)}")
        row = []
        if card.status.value == "pending":
            row.append(InlineKeyboardButton(f"Start {n}", callback_data=encode(TaskButton("start", card.id, page))))
        row.append(InlineKeyboardButton(f"Complete {n}", callback_data=encode(TaskButton("complete", card.id, page))))
        rows.append(row)
    rows.extend(nav_rows(page, pages, TaskListPage, prev="« Previous"))
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def show_list(update: Update, context: ContextTypes.DEFAULT_TYPE, page: int = 0) -> None:
    """One page of my open tasks, most urgent first, with Start / Complete buttons."""
    person = person_of(context)
    if person is None:
        if update.effective_message:
            await update.effective_message.reply_text("You are not linked yet. Send /start to begin.")
        return
    deps = deps_of(context)
    now = deps.db.clock.now()
    actor = Actor.telegram(person.id)
    cards, total = await asyncio.to_thread(task_queries.open_tasks, deps.db.uow(readonly=True), actor, now,
                                           PER_PAGE, page * PER_PAGE)
    if not cards and page > 0:  # the page emptied under us: show the last one
        page = max(0, (total - 1) // PER_PAGE)
        cards, total = await asyncio.to_thread(task_queries.open_tasks, deps.db.uow(readonly=True), actor, now,
                                               PER_PAGE, page * PER_PAGE)
    text, markup = _list_view(cards, total, page, deps.settings.timezone, now)
    if update.callback_query:
        await _edit(update, text, markup)
    elif update.effective_message:
        await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def tasks_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/tasks: the first page of my open tasks."""
    await show_list(update, context, 0)


async def list_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """« Previous / Next » in the /tasks list."""
    query = update.callback_query
    assert query is not None and query.data is not None
    button = callbacks.decode_as(query.data, TaskListPage)
    await query.answer()
    if button:
        await show_list(update, context, button.page)


# --- /assigned -----------------------------------------------------------------------------

async def assigned_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/assigned: what I assigned lately, with counts and a cancel button for the rest."""
    message = update.effective_message
    person = person_of(context)
    if message is None:
        return
    if person is None:
        await message.reply_text(task_queries.STAFF_ONLY)
        return
    deps = deps_of(context)
    try:
        summaries = await asyncio.to_thread(task_queries.assigned_by, deps.db.uow(readonly=True),
                                            Actor.telegram(person.id))
    except DomainError as exc:
        await message.reply_text(exc.message)
        return
    if not summaries:
        await message.reply_text("You have not assigned anything yet. /assign starts.")
        return
    lines, rows = ["<b>What you assigned lately</b>"], []
    for s in summaries:
        lines.append(f"• <b>{html.escape(s.title)}</b> ({due_phrase(s.due_at, person.timezone, deps.settings.timezone)}): "
                     f"{s.done} done, {s.in_progress} in progress, {s.pending} pending"
                     + (f", {s.cancelled} cancelled" if s.cancelled else "")
                     + (f", {s.declined} declined" if s.declined else ""))
        if s.open:
            rows.append([InlineKeyboardButton(f"Cancel “{s.title[:30]}” for the {s.open} not done",
                                              callback_data=encode(CancelAssignment("cancel", s.id)))])
    await message.reply_text(limits.fit("\n".join(lines)), parse_mode=ParseMode.HTML,
                             reply_markup=InlineKeyboardMarkup(rows) if rows else None)


async def cancel_assignment_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Cancel (then Yes) under /assigned: cancel the unfinished tasks of an assignment."""
    query = update.callback_query
    assert query is not None and query.data is not None
    button = callbacks.decode_as(query.data, CancelAssignment)
    person = person_of(context)
    if button is None or person is None:
        await query.answer("This button is no longer valid.")
        return
    step, assignment_id = button.step, button.assignment_id
    if step == "cancel":
        await query.answer()
        await query.edit_message_reply_markup(InlineKeyboardMarkup([[
            InlineKeyboardButton("Yes, cancel for those not done",
                                 callback_data=encode(CancelAssignment("sure", assignment_id))),
            InlineKeyboardButton("Keep", callback_data=encode(TaskListKeep()))]]))
        return
    try:
        n = await asyncio.to_thread(tasks.cancel_assignment, deps_of(context).db.uow(),
                                    Actor.telegram(person.id), assignment_id)
    except DomainError as exc:
        await query.answer(exc.message, show_alert=True)
        return
    await query.answer(f"Cancelled for {n}.")
    await query.edit_message_reply_markup(None)


async def keep(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Keep under /assigned: drop the buttons, change nothing."""
    assert update.callback_query is not None
    await update.callback_query.answer("Kept.")
    await update.callback_query.edit_message_reply_markup(None)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """The task handlers, in the order they must be registered."""
    return [
        IdleEndingConversation(
            entry_points=[CallbackQueryHandler(on_task_button, pattern=callbacks.pattern(TaskButton))],
            states={REASON: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_reason)]},
            fallbacks=[CommandHandler("cancel", cancel_reason), *within_conversation()],
            name="task_buttons",
            idle_text="The reopen waited for a reason for over an hour, so it has ended; the task was not reopened.",
            allow_reentry=True,
        ),
        CommandHandler("tasks", tasks_command),
        CallbackQueryHandler(keep, pattern=callbacks.pattern(TaskListKeep)),
        CallbackQueryHandler(list_page, pattern=callbacks.pattern(TaskListPage)),
        CommandHandler("assigned", assigned_command),
        CallbackQueryHandler(cancel_assignment_button, pattern=callbacks.pattern(CancelAssignment)),
    ]
