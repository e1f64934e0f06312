"""/queue for admins and team leads: the first page of the operations queue (soonest breach first), with
Prev / Next and a button to open each item (a ticket's full view, or a task's card)."""

from __future__ import annotations

import asyncio
import html
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ContextTypes

from bot import callbacks
from bot.deps import deps_of
from bot.handlers import ticket_views
from bot.identity import person_of
from bot.messages import limits
from bot.messages.paging import nav_rows, page_count
from bot.queue_callbacks import KINDS, SORTS, QueueOpen, QueuePageButton
from bot.timefmt import local
from domain.actors import Actor
from domain.errors import DomainError
from domain.queue import services as queue_service
from domain.queue.query import ItemType, QueueSort
from domain.queue.services import QueueItem, QueuePage

PER_PAGE = 6
NOT_LINKED = "You are not linked yet. Send /start to begin."


def _when(delta: timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 48 else f"{hours // 24} d"


def item_line(item: QueueItem) -> str:
    """One item as a line of the list (HTML)."""
    if item.time_left is None:
        left = "no deadline"
    elif item.breached:
        left = f"⚠️ breached {_when(item.time_left)} ago"
    else:
        left = f"{_when(item.time_left)} left"
    where = f" · {html.escape(item.team)}" if item.team else ""
    who = f" · {html.escape(', '.join(item.assignees))}" if item.assignees else ""
    return (f"<b>{html.escape(item.ref)}</b> {html.escape(item.title)}\n"
            f"   {item.priority} · {item.status.replace('_', ' ')}{where}{who} · {left}")


def page_text(q: QueuePage, page: int) -> str:
    """The summary line and the page's items, within Telegram's message limit."""
    s = q.summary
    head = (f"<b>Queue</b> ({SORTS_TITLE[q.sort]}): {s.total} open · {s.overdue} breached · "
            f"{s.due_soon} due within 4 h")
    if not q.items:
        return head + "\n\nNothing open. Nice!"
    lines = [item_line(i) for i in q.items]
    footer = f"\nPage {page + 1} of {page_count(s.total, PER_PAGE)}"
    return limits.fit(head + "\n\n" + "\n".join(lines) + footer)


SORTS_TITLE = {"breach": "soonest breach first", "priority": "most urgent first", "age": "oldest first",
               "due": "soonest due first"}
SORT_CODE = {v: k for k, v in SORTS.items()}


def _markup(q: QueuePage, page: int) -> InlineKeyboardMarkup:
    opens = [InlineKeyboardButton(f"Open {i.ref}", callback_data=callbacks.encode(
        QueueOpen("k" if i.type == "ticket" else "t", i.id))) for i in q.items]
    rows = [opens[n:n + 3] for n in range(0, len(opens), 3)]
    code = SORT_CODE[q.sort]
    rows += nav_rows(page, page_count(q.summary.total, PER_PAGE), lambda p: QueuePageButton(code, p))  # type: ignore[arg-type]
    return InlineKeyboardMarkup(rows)


async def _show(update: Update, context: ContextTypes.DEFAULT_TYPE, sort: str, page: int, *, new: bool) -> None:
    assert update.effective_chat is not None
    person = person_of(context)
    if person is None:
        await context.bot.send_message(update.effective_chat.id, NOT_LINKED)
        return
    try:
        q = await asyncio.to_thread(queue_service.queue, deps_of(context).db.uow(readonly=True),
                                    Actor.telegram(person.id), sort=QueueSort(sort), limit=PER_PAGE,
                                    offset=page * PER_PAGE, org_only=True)
    except DomainError as exc:
        await context.bot.send_message(update.effective_chat.id, exc.message)
        return
    text, markup = page_text(q, page), _markup(q, page)
    if new or update.callback_query is None:
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup,
                                       parse_mode=ParseMode.HTML)
    else:
        await update.callback_query.edit_message_text(text, reply_markup=markup, parse_mode=ParseMode.HTML)


async def queue_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/queue: the first page, soonest breach first."""
    await _show(update, context, "breach", 0, new=True)


async def page_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Another page of /queue."""
    query = update.callback_query
    assert query is not None
    button = callbacks.decode_as(query.data, QueuePageButton)
    await query.answer(None if button else "This button is no longer valid.")
    if button is not None:
        await _show(update, context, SORTS[button.sort], button.page, new=False)


async def open_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Open a queue item: a ticket's view with its buttons, or a task's card."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    button = callbacks.decode_as(query.data, QueueOpen)
    await query.answer(None if button else "This button is no longer valid.")
    if button is None:
        return
    if button.kind == "k":
        await ticket_views.show(update, context, button.item_id)
        return
    person = person_of(context)
    if person is None:
        await context.bot.send_message(update.effective_chat.id, NOT_LINKED)
        return
    try:
        item = await asyncio.to_thread(queue_service.queue_item, deps_of(context).db.uow(readonly=True),
                                       Actor.telegram(person.id), ItemType(KINDS[button.kind]), button.item_id)
    except DomainError as exc:
        await context.bot.send_message(update.effective_chat.id, exc.message)
        return
    tz = person.timezone or deps_of(context).settings.timezone
    due = f"\nDue {local(item.due_at, tz)}" if item.due_at else ""
    await context.bot.send_message(update.effective_chat.id, item_line(item) + due, parse_mode=ParseMode.HTML)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """/queue, its pages and its Open buttons."""
    return [CommandHandler("queue", queue_command),
            CallbackQueryHandler(page_button, pattern=callbacks.pattern(QueuePageButton)),
            CallbackQueryHandler(open_button, pattern=callbacks.pattern(QueueOpen))]
