"""Replies are the conversation: a Telegram reply to one of our messages goes to whoever it concerns.

Each route looks at the replied-to message (the outbox row it was sent as) and either handles the
reply or passes; a reply nobody handles gets a hint, never silence.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable

from telegram import Message, Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.deps import deps_of
from bot.handlers import request, ticket_views
from bot.identity import person_of
from domain import replies
from domain.actors import Actor
from domain.attendance import parent_replies
from domain.errors import DomainError
from domain.people.profile import LinkedPerson
from domain.replies import SentMessage
from domain.tickets import queries as ticket_queries
from domain.tickets import services as tickets

HINT = ("That message is not part of a request or a conversation, so I cannot pass your reply on. "
        "Reply to a request's message to add to it, or use /request to ask for something new (/help lists more).")
RECORD_WAITS = 4
NOT_LINKED = "You are not linked yet. Send /start to begin."

Route = Callable[[Update, ContextTypes.DEFAULT_TYPE, LinkedPerson, SentMessage | None], Awaitable[bool]]
NOTE_MARK = "!"  # a staff reply starting with this is an internal note (as is /note in reply)


def content(message: Message) -> tuple[str, list[str]]:
    """The text (or caption) and the photos' file ids of a message (the largest size of each)."""
    photos = [message.photo[-1].file_id] if message.photo else []
    return (message.text or message.caption or "").strip(), photos


async def _ticket_of(context: ContextTypes.DEFAULT_TYPE, person: LinkedPerson, sent: SentMessage | None,
                     message: Message) -> int | None:
    """The ticket a replied-to message belongs to: a ticket notification, or a ticket's view (/tickets)."""
    if sent is not None:
        return sent.subject_id if sent.subject_type == "ticket" else None
    replied = message.reply_to_message
    number = ticket_views.view_number(replied.text or replied.caption) if replied and replied.from_user and replied.from_user.is_bot \
        else None
    if number is None:
        return None
    try:
        found = await asyncio.to_thread(ticket_queries.get_ticket_by_number, deps_of(context).db.uow(readonly=True),
                                        Actor.telegram(person.id), number)
    except DomainError:
        return None
    return found.id


async def ticket_route(update: Update, context: ContextTypes.DEFAULT_TYPE, person: LinkedPerson,
                       sent: SentMessage | None, *, internal: bool = False) -> bool:
    """A reply to any message of a ticket: a comment (text, photos) the other side receives."""
    message = update.effective_message
    assert message is not None
    ticket_id = await _ticket_of(context, person, sent, message)
    if ticket_id is None:
        return False
    text = re.sub(r"^/note(@\w+)?\b", "", (message.text or message.caption or "").strip()).strip()
    if text.startswith(NOTE_MARK):
        text, internal = text[len(NOTE_MARK):].strip(), True
    try:
        file = await request.receive_attachment(context, message)
        result = await asyncio.to_thread(tickets.comment, deps_of(context).db.uow(), Actor.telegram(person.id),
                                         ticket_id, text, internal, [file] if file else [])
    except DomainError as exc:
        await message.reply_text(exc.message + (" Nothing was sent." if internal else ""))
        return True
    await message.reply_text(f"{result.message} (#{result.ticket.row.number})")
    return True


async def family_route(update: Update, context: ContextTypes.DEFAULT_TYPE, person: LinkedPerson,
                       sent: SentMessage | None) -> bool:
    """A reply to an absence, a teacher's note or a passed-on message: pass it to the other side."""
    if sent is None or sent.kind not in parent_replies.RELAYED_KINDS:
        return False
    message = update.effective_message
    assert message is not None
    text, photos = content(message)
    try:
        done = await asyncio.to_thread(parent_replies.relay_reply, deps_of(context).db.uow(),
                                       Actor.telegram(person.id), sent, text, photos,
                                       f"{message.chat_id}:{message.message_id}")
    except DomainError as exc:
        await message.reply_text(exc.message)
        return True
    await message.reply_text(f"Passed on to {', '.join(done.recipients)}. You will hear back here.")
    return True


ROUTES: list[Route] = [ticket_route, family_route]


async def _sent(context: ContextTypes.DEFAULT_TYPE, person_id: int, message: Message) -> SentMessage | None:
    """The outbox row the replied-to message was sent as; a message sent a moment ago may not be recorded yet."""
    assert message.reply_to_message is not None
    replied = message.reply_to_message
    for attempt in range(RECORD_WAITS + 1):
        sent = await asyncio.to_thread(replies.sent_message_at, deps_of(context).db.uow(readonly=True), person_id,
                                       message.chat_id, replied.message_id)
        if sent is not None or not (replied.from_user and replied.from_user.is_bot) or attempt == RECORD_WAITS:
            return sent
        await asyncio.sleep(0.25)  # the delivery loop records sent messages in small batches
    return None


async def on_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A reply outside any conversation: find what the replied-to message was about and route it."""
    message = update.effective_message
    if message is None or message.reply_to_message is None:
        return
    person = person_of(context)
    if person is None:
        await message.reply_text(NOT_LINKED)
        return
    sent = await _sent(context, person.id, message)
    for route in ROUTES:
        if await route(update, context, person, sent):
            return
    await message.reply_text(HINT)


async def note_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/note in reply to a ticket's message: an internal (staff-only) note."""
    message = update.effective_message
    person = person_of(context)
    if message is None or person is None or message.reply_to_message is None:
        if message is not None:
            await message.reply_text("Reply to a ticket's message with /note and your text to add an internal note.")
        return
    if not await ticket_route(update, context, person, await _sent(context, person.id, message), internal=True):
        await message.reply_text(HINT)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """The reply router (registered after every conversation, so a conversation's step wins)."""
    wanted = (filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.Document.ALL
    return [MessageHandler(filters.REPLY & filters.ChatType.PRIVATE & wanted, on_reply),
            CommandHandler("note", note_command, filters.ChatType.PRIVATE)]
