"""/tickets: mine (as requester), assigned to me, my teams' open ones, in pages; a ticket's view with the
buttons its viewer may use. A reply to a ticket's view comments on it, as a reply to its other messages."""

from __future__ import annotations

import asyncio
import contextlib
import html
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ContextTypes

from bot import callbacks
from bot.deps import deps_of
from bot.identity import person_of
from bot.messages import limits
from bot.messages.paging import nav_rows, page_count
from bot.ticket_callbacks import VIEW_SCOPES, TicketButton, TicketListPage
from bot.timefmt import local
from domain.actors import Actor
from domain.errors import DomainError
from domain.tickets import queries as ticket_queries
from domain.tickets.rows import (
    Action,
    EventKind,
    TicketDetail,
    TicketFilter,
    TicketPage,
    TicketScope,
    status_text,
)
from domain.words import plural

PER_PAGE = 6
MAX_PHOTOS_SHOWN = 5
VIEW_TITLES = {"req": "Mine", "asg": "Assigned to me", "team": "My teams' open"}
ACTION_BUTTONS = [(Action.ACCEPT, "Accept", "acc"), (Action.REJECT, "Reject", "rej"), (Action.ASSIGN, "Assign…", "asg"),
                  (Action.RESOLVE, "Resolve", "res"), (Action.REOPEN, "Reopen", "reo"),
                  (Action.EDIT, "Edit / add photos", "edit"), (Action.CANCEL, "Cancel request", "can")]
VIEW_MARK = "🎫"
VIEW_REF = re.compile(VIEW_MARK + r" #(\d+)\b")
COMMENT_HOW = ("To comment, reply (swipe or long-press, then Reply) to any message of the ticket. "
               "Staff: start a reply with ! to make it an internal note the requester never sees.")
NOT_LINKED = "You are not linked yet. Send /start to begin."


def _button(text: str, data: callbacks.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=callbacks.encode(data))  # type: ignore[arg-type]


def view_number(text: str | None) -> int | None:
    """The ticket number of a ticket's view (the message `show` sends), from its first line."""
    m = VIEW_REF.match((text or "").split("\n", 1)[0])
    return int(m.group(1)) if m else None


async def tickets_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/tickets: the first view with something in it (mine, assigned to me, my teams' open), others a tap away."""
    await _list(update, context, "req", 0, new=True, first_filled=True)


async def list_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Another view or page of /tickets."""
    query = update.callback_query
    assert query is not None
    button = callbacks.decode_as(query.data, TicketListPage)
    if button is None:
        await query.answer("This button is no longer valid.")
        return
    await query.answer()
    await _list(update, context, button.view, button.page, new=False)


async def _page(context: ContextTypes.DEFAULT_TYPE, person_id: int, view: str, page: int) -> TicketPage:
    scope = TicketScope(VIEW_SCOPES[view])
    wanted = TicketFilter(scope=scope, open_only=scope == TicketScope.TEAM)
    return await asyncio.to_thread(ticket_queries.list_tickets, deps_of(context).db.uow(readonly=True),
                                   Actor.telegram(person_id), wanted, limit=PER_PAGE, offset=page * PER_PAGE)


async def _list(update: Update, context: ContextTypes.DEFAULT_TYPE, view: str, page: int, *, new: bool,
                first_filled: bool = False) -> None:
    assert update.effective_chat is not None
    person = person_of(context)
    if person is None:
        await context.bot.send_message(update.effective_chat.id, NOT_LINKED)
        return
    try:
        found = await _page(context, person.id, view, page)
        for other in list(VIEW_TITLES)[1:] if first_filled and not found.total else []:
            tried = await _page(context, person.id, other, 0)
            if tried.total:
                view, found = other, tried
                break
    except DomainError as exc:
        await context.bot.send_message(update.effective_chat.id, exc.message)
        return
    pages = page_count(found.total, PER_PAGE)
    tabs = [_button(("• " if v == view else "") + title, TicketListPage(v, 0))  # type: ignore[arg-type]
            for v, title in VIEW_TITLES.items()]
    rows = [[_button(limits.clip(f"#{t.number} {t.title} · {status_text(t.status)}", 60), TicketButton("view", t.id))]
            for t in found.items]
    rows.extend(nav_rows(page, pages, lambda p: TicketListPage(view, p)))  # type: ignore[arg-type]
    rows.append(tabs)
    text = (f"<b>{VIEW_TITLES[view]}</b>: {found.total} ticket{'s' if found.total != 1 else ''}"
            + (f" (page {page + 1} of {pages})" if pages > 1 else "") + ". Tap one to see it.")
    if not found.total:
        text = f"<b>{VIEW_TITLES[view]}</b>: none. /request files a new request."
    if update.callback_query and not new:
        await update.callback_query.edit_message_text(text, reply_markup=InlineKeyboardMarkup(rows),
                                                      parse_mode=ParseMode.HTML)
    else:
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=InlineKeyboardMarkup(rows),
                                       parse_mode=ParseMode.HTML)


def detail_text(d: TicketDetail, tz: str) -> str:
    """A ticket as its viewer may see it: status, people, description, fields, the latest comments."""
    r = d.row
    lines = [f"{VIEW_MARK} #{r.number} <b>{html.escape(r.title)}</b>",
             f"{html.escape(r.team_name)} · {html.escape(status_text(r.status))} · {r.priority.value}",
             f"From {html.escape(r.who)}, {local(r.created_at, tz)}"]
    if r.assignee_names:
        lines.append(f"Working on it: {html.escape(', '.join(r.assignee_names))} "
                     f"({r.progress.done} of {r.progress.total} done)")
    if r.due_at:
        lines.append(f"Due: {local(r.due_at, tz)}")
    lines += [f"{html.escape(str(k).replace('_', ' ').capitalize())}: {html.escape(str(v))}"
              for k, v in r.fields.items() if v]
    if d.description:
        lines.append("\n" + html.escape(limits.clip(d.description, 1200)))
    if d.reject_reason:
        lines.append(f"Rejected: {html.escape(d.reject_reason)}")
    if d.attachments:
        lines.append(f"📎 {plural(len(d.attachments), 'photo or file', 'photos or files')}")
    comments = [e for e in d.timeline if e.kind == EventKind.COMMENT][-5:]
    for e in comments:
        mark = "🔒 " if e.internal else ""
        lines.append(f"{mark}<b>{html.escape(e.actor_name or 'Someone')}</b>: "
                     f"{html.escape(limits.clip(e.text or '(a file)', 300))}")
    lines.append("\n↩️ Reply to this message to comment.")
    return limits.fit("\n".join(lines))


async def show(update: Update, context: ContextTypes.DEFAULT_TYPE, ticket_id: int) -> None:
    """Send one ticket's view with the buttons this person may use."""
    assert update.effective_chat is not None
    person = person_of(context)
    if person is None:
        await context.bot.send_message(update.effective_chat.id, NOT_LINKED)
        return
    try:
        d = await asyncio.to_thread(ticket_queries.get_ticket, deps_of(context).db.uow(readonly=True),
                                    Actor.telegram(person.id), ticket_id)
    except DomainError as exc:
        await context.bot.send_message(update.effective_chat.id, exc.message)
        return
    buttons = [_button(label, TicketButton(code, d.id)) for action, label, code in ACTION_BUTTONS  # type: ignore[arg-type]
               if action in d.actions]
    markup = InlineKeyboardMarkup([buttons[i:i + 3] for i in range(0, len(buttons), 3)]) if buttons else None
    tz = person.timezone or deps_of(context).settings.timezone
    await context.bot.send_message(update.effective_chat.id, detail_text(d, tz), reply_markup=markup,
                                   parse_mode=ParseMode.HTML)
    store = deps_of(context).attachments
    photos = [a for a in d.attachments if a.kind == "photo" and (a.telegram_file_id or (a.file_key and store))]
    photos = photos[:MAX_PHOTOS_SHOWN]
    for n, a in enumerate(photos, 1):
        caption = f"{VIEW_MARK} #{d.row.number} photo {n} of {len(photos)}"
        with contextlib.suppress(TelegramError, DomainError):
            if a.telegram_file_id:  # re-sent by file_id: nothing is uploaded again
                await context.bot.send_photo(update.effective_chat.id, a.telegram_file_id, caption=caption)
            elif a.file_key and store is not None:  # filed on the web: uploaded from the store once
                content = await asyncio.to_thread(store.open, a.file_key)
                await context.bot.send_photo(update.effective_chat.id, content, caption=caption)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """/tickets and its pages (a ticket's buttons are bot.handlers.triage's)."""
    return [CommandHandler("tickets", tickets_command),
            CallbackQueryHandler(list_button, pattern=callbacks.pattern(TicketListPage))]
