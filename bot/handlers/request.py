"""/request: team, title, description, photos, the team's extra fields (a location...), priority where
the team allows it, a summary and Confirm. A photo sent outside any conversation offers to start one."""

from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
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
from bot.desk_callbacks import RequestButton
from bot.fallback import within_conversation
from bot.files import incoming_file, receive_file
from bot.identity import person_of
from bot.messages import limits
from bot.ticket_callbacks import TicketFromPhoto, TicketPriority, TicketTeam
from domain.actors import Actor
from domain.errors import DomainError
from domain.models import Priority
from domain.teams import queries as teams
from domain.teams.queries import FieldSpec, TeamRow
from domain.tickets import services as tickets
from domain.tickets.rows import MAX_DESCRIPTION, MAX_FIELD, MAX_TITLE, AttachmentIn, TicketSpec

TEAM, TITLE, DESCRIPTION, PHOTOS, FIELD, PRIORITY, CONFIRM = range(7)
MAX_FILES = 3
DRAFT = "request_draft"
OFFERED = "request_offered_photos"  # the photos a "File a request with this photo?" offer is about
OFFERED_ALBUM = "request_offered_album"  # their album (media group), so an album gets one offer
NOT_LINKED = "You are not linked yet. Send /start to begin."


@dataclass
class Draft:
    team: TeamRow | None = None
    title: str = ""
    description: str = ""
    files: list[AttachmentIn] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    field_index: int = 0
    priority: Priority = Priority.NORMAL


def _draft(context: ContextTypes.DEFAULT_TYPE) -> Draft:
    assert context.user_data is not None
    return context.user_data.setdefault(DRAFT, Draft())


def _button(text: str, data: callbacks.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=callbacks.encode(data))  # type: ignore[arg-type]


async def receive_attachment(context: ContextTypes.DEFAULT_TYPE, message: Message) -> AttachmentIn | None:
    """The message's photo (largest size) or file: checked and kept by the attachment store when there is one
    (FileRefused says why not), always with Telegram's ids so it can be re-sent without re-uploading."""
    incoming = incoming_file(message)
    if incoming is None:
        return None
    store = deps_of(context).attachments
    kind = "photo" if incoming.is_photo else "document"
    if store is None:
        return AttachmentIn(kind, incoming.file_id, incoming.file_unique_id, filename=incoming.filename,
                            size=incoming.size)
    got = await receive_file(context.bot, incoming, store)
    kept = got.stored
    return AttachmentIn(kind, got.file_id, got.file_unique_id, kept.key, kept.filename, kept.mime, kept.size)


async def _send(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str,
                markup: InlineKeyboardMarkup | None = None) -> None:
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup, parse_mode=ParseMode.HTML)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/request (or Yes to the photo offer): choose the team."""
    assert context.user_data is not None
    person = person_of(context)
    if person is None:
        await _send(update, context, NOT_LINKED)
        return ConversationHandler.END
    draft = context.user_data[DRAFT] = Draft()
    offered = context.user_data.pop(OFFERED, None)
    if update.callback_query:
        await update.callback_query.answer()
        if callbacks.decode(update.callback_query.data) == TicketFromPhoto("no"):
            await update.callback_query.edit_message_text("All right, nothing was filed.")
            return ConversationHandler.END
        draft.files.extend(f for f in (offered or [])[:MAX_FILES] if f is not None)
        await update.callback_query.edit_message_reply_markup(None)
    try:
        rows = await asyncio.to_thread(teams.list_teams, deps_of(context).db.uow(readonly=True),
                                       Actor.telegram(person.id))
    except DomainError as exc:
        await _send(update, context, html.escape(exc.message))
        return ConversationHandler.END
    if not rows:
        await _send(update, context, "No team takes requests yet; ask an administrator.")
        return ConversationHandler.END
    keyboard = [[_button(t.name, TicketTeam(t.id))] for t in rows[:30]]
    await _send(update, context, "New request. Which team is it for? (/cancel to stop)",
                InlineKeyboardMarkup(keyboard))
    return TEAM


async def got_team(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The team chosen: ask the title."""
    query = update.callback_query
    assert query is not None
    chosen = callbacks.decode_as(query.data, TicketTeam)
    person = person_of(context)
    if chosen is None or person is None:
        await query.answer("This button is no longer valid.")
        return TEAM
    try:
        team = await asyncio.to_thread(teams.get_team, deps_of(context).db.uow(readonly=True),
                                       Actor.telegram(person.id), chosen.team_id)
    except DomainError as exc:
        await query.answer(exc.message, show_alert=True)
        return TEAM
    _draft(context).team = team
    await query.answer()
    await query.edit_message_text(f"Team: <b>{html.escape(team.name)}</b>", parse_mode=ParseMode.HTML)
    await _send(update, context, "In a few words, what is it? (the title)")
    return TITLE


async def got_title(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The title: ask the description."""
    assert update.effective_message is not None
    title = " ".join((update.effective_message.text or "").split())
    if not title or len(title) > MAX_TITLE:
        await update.effective_message.reply_text(f"A title of 1 to {MAX_TITLE} characters, please.")
        return TITLE
    _draft(context).title = title
    await _send(update, context, "Describe it: what, where, since when. Or skip.",
                InlineKeyboardMarkup([[_button("Skip", RequestButton("skip"))]]))
    return DESCRIPTION


async def got_description(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The description (or Skip): ask for photos."""
    if update.callback_query:
        await update.callback_query.answer()
    elif update.effective_message is not None:
        text = (update.effective_message.text or "").strip()
        if len(text) > MAX_DESCRIPTION:
            await update.effective_message.reply_text(f"That is too long (at most {MAX_DESCRIPTION} characters).")
            return DESCRIPTION
        _draft(context).description = text
    return await ask_photos(update, context)


async def ask_photos(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Ask for up to MAX_FILES photos or files, then Done."""
    have = len(_draft(context).files)
    if have >= MAX_FILES:
        return await next_field(update, context)
    text = (f"Send up to {MAX_FILES} photos or files, then tap Done." if not have
            else f"Got {have} of {MAX_FILES}. Send another, or tap Done.")
    await _send(update, context, text, InlineKeyboardMarkup([[_button("Done", RequestButton("done"))]]))
    return PHOTOS


async def got_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A photo or a file for the request."""
    assert update.effective_message is not None
    try:
        file = await receive_attachment(context, update.effective_message)
    except DomainError as exc:  # FileRefused: too big, not an image or PDF...
        await update.effective_message.reply_text(exc.message)
        return PHOTOS
    if file is not None:
        _draft(context).files.append(file)
    return await ask_photos(update, context)


async def photos_done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Done with photos."""
    if update.callback_query:
        await update.callback_query.answer()
    return await next_field(update, context)


def _field(draft: Draft) -> FieldSpec | None:
    fields = draft.team.fields if draft.team else ()
    return fields[draft.field_index] if draft.field_index < len(fields) else None


async def next_field(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Ask the team's next extra field (a location...), or go on to the priority."""
    spec = _field(_draft(context))
    if spec is None:
        return await ask_priority(update, context)
    markup = None if spec.required else InlineKeyboardMarkup([[_button("Skip", RequestButton("skip"))]])
    await _send(update, context, f"{html.escape(spec.label)}?" + ("" if spec.required else " (or skip)"), markup)
    return FIELD


async def got_field(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """An extra field's value, or Skip."""
    draft = _draft(context)
    spec = _field(draft)
    if update.callback_query:
        await update.callback_query.answer()
    elif update.effective_message is not None and spec is not None:
        value = " ".join((update.effective_message.text or "").split())
        if not value or len(value) > MAX_FIELD:
            await update.effective_message.reply_text(f"1 to {MAX_FIELD} characters, please.")
            return FIELD
        draft.fields[spec.key] = value
    draft.field_index += 1
    return await next_field(update, context)


async def ask_priority(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The priority, where the team lets requesters choose; else the summary."""
    draft = _draft(context)
    if not (draft.team and draft.team.options.get("requesters_set_priority")):
        return await summary(update, context)
    await _send(update, context, "How urgent is it?",
                InlineKeyboardMarkup([[_button(p.value, TicketPriority(p.value)) for p in Priority]]))
    return PRIORITY


async def got_priority(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The priority chosen."""
    query = update.callback_query
    assert query is not None
    chosen = callbacks.decode_as(query.data, TicketPriority)
    if chosen is None:
        await query.answer("This button is no longer valid.")
        return PRIORITY
    _draft(context).priority = Priority(chosen.priority)
    await query.answer()
    return await summary(update, context)


async def summary(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The request as it will be filed, with Confirm / Cancel."""
    draft = _draft(context)
    assert draft.team is not None
    labels = {f.key: f.label for f in draft.team.fields}
    lines = [f"<b>{html.escape(draft.title)}</b> · {html.escape(draft.team.name)}",
             html.escape(limits.clip(draft.description, 3000)) if draft.description else "(no description)"]
    lines += [f"{html.escape(labels.get(k, k))}: {html.escape(v)}" for k, v in draft.fields.items()]
    lines.append(f"Photos and files: {len(draft.files)}")
    if draft.priority != Priority.NORMAL:
        lines.append(f"Priority: {draft.priority.value}")
    await _send(update, context, limits.fit("\n".join(lines)), InlineKeyboardMarkup(
        [[_button("Confirm", RequestButton("ok")), _button("Cancel", RequestButton("no"))]]))
    return CONFIRM


async def confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Confirm: file the request (the leads and the requester's card follow through the outbox)."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    if callbacks.decode(query.data) != RequestButton("ok"):
        await query.answer("Cancelled.")
        await query.edit_message_text("Cancelled; nothing was filed.")
        context.user_data.pop(DRAFT, None)
        return ConversationHandler.END
    draft, person = _draft(context), person_of(context)
    if person is None or draft.team is None:
        await query.answer("Your account is not active.", show_alert=True)
        return ConversationHandler.END
    spec = TicketSpec(team_id=draft.team.id, title=draft.title, description=draft.description,
                      priority=draft.priority, fields=dict(draft.fields), attachments=tuple(draft.files))
    try:
        result = await asyncio.to_thread(tickets.file_ticket, deps_of(context).db.uow(),
                                         Actor.telegram(person.id), spec)
    except DomainError as exc:
        await query.answer(exc.message, show_alert=True)
        return CONFIRM
    await query.answer("Filed.")
    await query.edit_message_text(html.escape(result.message) + " Your card follows; reply to it to add a comment.",
                                  parse_mode=ParseMode.HTML)
    context.user_data.pop(DRAFT, None)
    return ConversationHandler.END


cancel = cancel_step(DRAFT, said="Stopped; nothing was filed.")


async def offer_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo outside any conversation: offer to file a request with it."""
    message = update.effective_message
    assert message is not None and context.user_data is not None
    if person_of(context) is None:
        await message.reply_text(NOT_LINKED)
        return
    try:
        file = await receive_attachment(context, message)
    except DomainError as exc:
        await message.reply_text(exc.message)
        return
    album = message.media_group_id
    if album is not None and context.user_data.get(OFFERED_ALBUM) == album:  # one offer per album
        context.user_data.setdefault(OFFERED, []).append(file)
        return
    context.user_data[OFFERED], context.user_data[OFFERED_ALBUM] = [file], album
    await message.reply_text("File a request with this photo?", reply_markup=InlineKeyboardMarkup(
        [[_button("Yes", TicketFromPhoto("yes")), _button("No", TicketFromPhoto("no"))]]))


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """The /request conversation."""
    text = filters.TEXT & ~filters.COMMAND
    media = filters.PHOTO | filters.Document.ALL
    skip = callbacks.pattern(RequestButton)
    return [
        IdleEndingConversation(
            entry_points=[CommandHandler("request", start),
                          CallbackQueryHandler(start, pattern=callbacks.pattern(TicketFromPhoto))],
            states={
                TEAM: [CallbackQueryHandler(got_team, pattern=callbacks.pattern(TicketTeam))],
                TITLE: [MessageHandler(text, got_title)],
                DESCRIPTION: [MessageHandler(text, got_description), CallbackQueryHandler(got_description, pattern=skip)],
                PHOTOS: [MessageHandler(media, got_photo), CallbackQueryHandler(photos_done, pattern=skip)],
                FIELD: [MessageHandler(text, got_field), CallbackQueryHandler(got_field, pattern=skip)],
                PRIORITY: [CallbackQueryHandler(got_priority, pattern=callbacks.pattern(TicketPriority))],
                CONFIRM: [CallbackQueryHandler(confirm, pattern=skip)],
            },
            fallbacks=[CommandHandler("cancel", cancel), *within_conversation()],
            name="request",
            idle_text="Your /request was left unfinished for over an hour, so it has ended; nothing was filed. "
                      "Send /request to start again.",
        ),
    ]


def photo_offer_handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """The offer a lone photo gets: registered after every conversation (a step taking photos wins) and
    before any fallback for unexpected media."""
    return [MessageHandler(filters.PHOTO & ~filters.REPLY & filters.ChatType.PRIVATE, offer_photo)]
