"""The buttons on a ticket's messages: Accept / Assign... (a multi-select of people and a due time, as
/assign has), Reject and Reopen (with a reason), Resolve, Cancel, Edit, and View."""

from __future__ import annotations

import asyncio
import contextlib
import html
from dataclasses import dataclass, field
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
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
from bot.conversations import IdleEndingConversation
from bot.deps import deps_of
from bot.desk_callbacks import PickDone, PickDue, PickPage, PickToggle, RequestButton
from bot.fallback import within_conversation
from bot.handlers import ticket_views
from bot.handlers.request import receive_attachment
from bot.identity import person_of
from bot.messages.paging import nav_rows, page_count
from bot.ticket_callbacks import TicketButton
from domain.actors import Actor
from domain.errors import DomainError
from domain.files import FileRefused
from domain.teams import queries as teams
from domain.tickets import queries as ticket_queries
from domain.tickets import services as tickets
from domain.timeparse import parse_due, quick_choices
from domain.words import plural

PICK, DUE, REASON, EDIT = range(4)
PAGE = 8
DRAFT = "triage_draft"
REASONS = {"rej": "Why is #{n} rejected? The requester reads your reason.",
           "reo": "Why is #{n} reopened? Say what is still wrong."}


@dataclass
class Draft:
    ticket_id: int
    number: int
    action: str  # a TicketButton action: acc, asg, rej, reo, edit
    origin: tuple[int, int] | None = None  # the message whose buttons were pressed
    people: dict[int, str] = field(default_factory=dict)  # the team's people, by id
    chosen: set[int] = field(default_factory=set)
    page: int = 0
    search: str | None = None
    tz: str = "UTC"


def _draft(context: ContextTypes.DEFAULT_TYPE) -> Draft:
    assert context.user_data is not None
    return context.user_data[DRAFT]


def _button(text: str, data: callbacks.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=callbacks.encode(data))  # type: ignore[arg-type]


async def _say(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str,
               markup: InlineKeyboardMarkup | None = None) -> None:
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup, parse_mode=ParseMode.HTML)


async def _settle_origin(context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> None:
    """The pressed message loses its buttons once the action is done (others' copies answer "already")."""
    if draft.origin is None:
        return
    with contextlib.suppress(TelegramError):  # gone, or since edited by a delivery: nothing to mend
        await context.bot.edit_message_reply_markup(draft.origin[0], draft.origin[1], reply_markup=None)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A ticket button: act at once (Resolve, Cancel, View) or start the step it needs."""
    query = update.callback_query
    assert query is not None and context.user_data is not None and update.effective_chat is not None
    button = callbacks.decode_as(query.data, TicketButton)
    person = person_of(context)
    if button is None or person is None:
        await query.answer("This button is no longer valid." if person else "Send /start to link your account.")
        return ConversationHandler.END
    if button.action == "view":
        await query.answer()
        await ticket_views.show(update, context, button.ticket_id)
        return ConversationHandler.END
    db, actor = deps_of(context).db, Actor.telegram(person.id)
    try:
        detail = await asyncio.to_thread(ticket_queries.get_ticket, db.uow(readonly=True), actor, button.ticket_id)
    except DomainError as exc:
        await query.answer(exc.message, show_alert=True)
        return ConversationHandler.END
    origin = (query.message.chat.id, query.message.message_id) if query.message else None
    draft = context.user_data[DRAFT] = Draft(detail.id, detail.row.number, button.action, origin,
                                             tz=person.timezone or deps_of(context).settings.timezone)
    if button.action in ("res", "can"):
        service = tickets.resolve if button.action == "res" else tickets.cancel
        return await _finish(update, context, service, db.uow(), actor, detail.id)
    await query.answer()
    if button.action in REASONS:
        await _say(update, context, REASONS[button.action].format(n=detail.row.number) + " (/cancel to stop)")
        return REASON
    if button.action in ("cmt", "note"):
        await _say(update, context, ticket_views.COMMENT_HOW)
        return ConversationHandler.END
    if button.action == "edit":
        await _say(update, context, f"Send the new description of #{detail.row.number}, or photos to add; "
                   "tap Done when finished.", InlineKeyboardMarkup([[_button("Done", RequestButton("done"))]]))
        return EDIT
    try:
        team = await asyncio.to_thread(teams.get_team, db.uow(readonly=True), actor, detail.row.team_id)
    except DomainError as exc:
        await _say(update, context, html.escape(exc.message))
        return ConversationHandler.END
    draft.people = {m.person_id: m.name for m in sorted(team.members, key=lambda m: m.name.lower())}
    draft.chosen = {pid for pid, _name, _task in detail.assignees}
    return await show_people(update, context, new=True)


async def _finish(update: Update, context: ContextTypes.DEFAULT_TYPE, service, *args, **kwargs) -> int:  # type: ignore[no-untyped-def]
    """Call one domain service, tell the result, and settle the pressed message."""
    draft = _draft(context)
    try:
        result = await asyncio.to_thread(service, *args, **kwargs)
    except DomainError as exc:
        if update.callback_query:
            await update.callback_query.answer(exc.message, show_alert=True)
        else:
            await _say(update, context, html.escape(exc.message))
        return ConversationHandler.END if update.callback_query else REASON
    if update.callback_query:
        await update.callback_query.answer(result.message[:200])
    await _settle_origin(context, draft)
    await _say(update, context, html.escape(result.message))
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    return ConversationHandler.END


def _matching(draft: Draft) -> list[tuple[int, str]]:
    needle = (draft.search or "").lower()
    return [(pid, name) for pid, name in draft.people.items() if needle in name.lower()]


async def show_people(update: Update, context: ContextTypes.DEFAULT_TYPE, *, new: bool = False) -> int:
    """The people picker: one page of the team's people, the chosen ones ticked, then Done."""
    draft = _draft(context)
    people = _matching(draft)
    pages = page_count(len(people), PAGE)
    draft.page = min(draft.page, pages - 1)
    rows = [[_button(f"{'☑️' if pid in draft.chosen else '👤'} {name}", PickToggle(pid))]
            for pid, name in people[draft.page * PAGE:(draft.page + 1) * PAGE]]
    rows.extend(nav_rows(draft.page, pages, PickPage))
    rows.append([_button(f"Done ({plural(len(draft.chosen), 'person', 'people')})", PickDone())])
    verb = "Accept" if draft.action == "acc" else "Assign"
    text = (f"{verb} #{draft.number}: who works on it? Tap people, then Done. Type a name to search"
            + (", or “all” to list everyone again." if draft.search else "."))
    if not people:
        text = "Nobody matches. Type another name, or “all”." if draft.search else (
            "The team has nobody to assign yet." + (" Tap Done to accept without assigning." if verb == "Accept"
                                                   else ""))
    markup = InlineKeyboardMarkup(rows)
    if update.callback_query and not new:
        await update.callback_query.edit_message_text(text, reply_markup=markup, parse_mode=ParseMode.HTML)
    else:
        await _say(update, context, text, markup)
    return PICK


async def people_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A person ticked, a page turned, or Done."""
    query = update.callback_query
    assert query is not None
    draft = _draft(context)
    button = callbacks.decode(query.data)
    if isinstance(button, PickToggle) and button.person_id in draft.people:
        draft.chosen.symmetric_difference_update({button.person_id})
    elif isinstance(button, PickPage):
        draft.page = button.page
    elif isinstance(button, PickDone):
        if not draft.chosen and draft.action != "acc":
            await query.answer("Choose at least one person.", show_alert=True)
            return PICK
        await query.answer()
        return await ask_due(update, context) if draft.chosen else await _decide(update, context, None)
    else:
        await query.answer("This button is no longer valid.")
        return PICK
    await query.answer()
    return await show_people(update, context)


async def people_search(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A name typed in the picker (“all” lists everyone again)."""
    assert update.effective_message is not None
    text = (update.effective_message.text or "").strip()
    draft = _draft(context)
    draft.search, draft.page = (None if text.lower() == "all" else text[:60]), 0
    return await show_people(update, context, new=True)


async def ask_due(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """When the work is due: quick choices or a typed time."""
    draft = _draft(context)
    now = deps_of(context).db.clock.now()
    rows = [[_button(label, PickDue(i))] for i, (label, _) in enumerate(quick_choices(now, draft.tz))]
    rows.append([_button("No due time", PickDue(None))])
    await _say(update, context, f"When is it due? Tap a choice or type a time like “fri 17:00” ({draft.tz}).",
               InlineKeyboardMarkup(rows))
    return DUE


async def due_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A quick due choice, or No due time."""
    query = update.callback_query
    assert query is not None
    button = callbacks.decode_as(query.data, PickDue)
    choices = quick_choices(deps_of(context).db.clock.now(), _draft(context).tz)
    if button is None or (button.choice is not None and button.choice >= len(choices)):
        await query.answer("This button is no longer valid.")
        return DUE
    await query.answer()
    return await _decide(update, context, None if button.choice is None else choices[button.choice][1])


async def due_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A typed due time."""
    assert update.effective_message is not None
    try:
        due = parse_due(update.effective_message.text or "", deps_of(context).db.clock.now(), _draft(context).tz)
    except DomainError as exc:
        await update.effective_message.reply_text(exc.message)
        return DUE
    return await _decide(update, context, due)


async def _decide(update: Update, context: ContextTypes.DEFAULT_TYPE, due_at: datetime | None) -> int:
    """Accept (with or without people) or assign: one service call."""
    draft, person = _draft(context), person_of(context)
    if person is None:
        return ConversationHandler.END
    db, actor, people = deps_of(context).db, Actor.telegram(person.id), sorted(draft.chosen)
    if draft.action == "acc":
        return await _reply(update, context, tickets.accept, db.uow(), actor, draft.ticket_id, people, due_at)
    return await _reply(update, context, tickets.assign, db.uow(), actor, draft.ticket_id, people, due_at)


async def _reply(update: Update, context: ContextTypes.DEFAULT_TYPE, service, *args) -> int:  # type: ignore[no-untyped-def]
    """As _finish, after a step that was not a button press on the ticket itself."""
    draft = _draft(context)
    try:
        result = await asyncio.to_thread(service, *args)
    except DomainError as exc:
        await _say(update, context, html.escape(exc.message))
        return ConversationHandler.END
    await _settle_origin(context, draft)
    names = ", ".join(draft.people.get(p, "?") for p in sorted(draft.chosen))
    await _say(update, context, html.escape(result.message + (f" Working on it: {names}." if names else "")))
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    return ConversationHandler.END


async def got_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The reason to reject or reopen."""
    assert update.effective_message is not None
    draft, person = _draft(context), person_of(context)
    if person is None:
        return ConversationHandler.END
    service = tickets.reject if draft.action == "rej" else tickets.reopen
    return await _finish(update, context, service, deps_of(context).db.uow(), Actor.telegram(person.id),
                         draft.ticket_id, update.effective_message.text or "")


async def got_edit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A new description, or a photo to add, before the ticket is accepted."""
    message = update.effective_message
    assert message is not None
    draft, person = _draft(context), person_of(context)
    if person is None:
        return ConversationHandler.END
    try:
        file = await receive_attachment(context, message)
        kwargs = {"attachments": [file]} if file is not None else {"description": message.text or ""}
        result = await asyncio.to_thread(tickets.edit_before_accept, deps_of(context).db.uow(),
                                         Actor.telegram(person.id), draft.ticket_id, **kwargs)
    except DomainError as exc:  # a refused file leaves the step open; anything else ends it
        await message.reply_text(exc.message)
        return EDIT if isinstance(exc, FileRefused) else ConversationHandler.END
    await message.reply_text(result.message + " Send more, or tap Done.", reply_markup=InlineKeyboardMarkup(
        [[_button("Done", RequestButton("done"))]]))
    return EDIT


async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/cancel (or Done while editing): end the step; what was saved stays saved."""
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    if update.callback_query:
        await update.callback_query.answer()
        await update.callback_query.edit_message_reply_markup(None)
    elif update.effective_message:
        await update.effective_message.reply_text("Stopped.")
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """The ticket buttons and the steps some of them need."""
    text = filters.TEXT & ~filters.COMMAND
    return [IdleEndingConversation(
        entry_points=[CallbackQueryHandler(on_button, pattern=callbacks.pattern(TicketButton))],
        states={
            PICK: [CallbackQueryHandler(people_button, pattern=callbacks.pattern(PickToggle, PickPage, PickDone)),
                   MessageHandler(text, people_search)],
            DUE: [CallbackQueryHandler(due_button, pattern=callbacks.pattern(PickDue)), MessageHandler(text, due_text)],
            REASON: [MessageHandler(text, got_reason)],
            EDIT: [MessageHandler(text | filters.PHOTO | filters.Document.ALL, got_edit),
                   CallbackQueryHandler(stop, pattern=callbacks.pattern(RequestButton))],
        },
        fallbacks=[CommandHandler("cancel", stop), *within_conversation()],
        allow_reentry=True,
        name="ticket_actions",
        idle_text="That step on the ticket was left for over an hour, so it has ended; nothing was changed. "
                  "Press the ticket's button again to start over.",
    )]
