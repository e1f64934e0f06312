"""/refer (students and parents): name -> phone (typed, or a shared contact) -> a note (or Skip) ->
Confirm. The referral service checks each answer (domain.referrals.services) and who may refer."""

from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass

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
from bot.identity import person_of
from bot.messages import limits
from bot.referral_callbacks import ReferCancel, ReferConfirm, ReferSkip
from domain.actors import Actor
from domain.errors import DomainError
from domain.referrals import services as referrals

NAME, PHONE, NOTE, CONFIRM = range(4)
DRAFT = "refer_draft"


@dataclass
class Draft:
    name: str = ""
    phone: str = ""
    note: str = ""


def _draft(context: ContextTypes.DEFAULT_TYPE) -> Draft:
    assert context.user_data is not None
    return context.user_data.setdefault(DRAFT, Draft())


def _button(text: str, data: callbacks.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=callbacks.encode(data))


def _actor(context: ContextTypes.DEFAULT_TYPE) -> Actor | None:
    person = person_of(context)
    return Actor.telegram(person.id) if person is not None else None


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/refer: ask for the name (students and parents)."""
    assert update.effective_message is not None and context.user_data is not None
    actor = _actor(context)
    try:
        if actor is None:
            raise DomainError("Send /start and share your phone number first.")
        await asyncio.to_thread(referrals.may_refer, deps_of(context).db.uow(readonly=True), actor)
    except DomainError:
        await update.effective_message.reply_text("/refer is for students and parents: they can refer a friend "
                                                  "to the centre.")
        return ConversationHandler.END
    context.user_data[DRAFT] = Draft()
    await update.effective_message.reply_text("Refer someone to the centre. What is their name? (/cancel to stop)")
    return NAME


async def name_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The name: checked, then ask for the phone."""
    message = update.effective_message
    assert message is not None
    try:
        _draft(context).name = referrals.check_name(message.text or "")
    except DomainError as exc:
        await message.reply_text(limits.clip(f"{exc.message} What is their name?", 4000))
        return NAME
    await message.reply_text(limits.clip(f"{_draft(context).name}'s phone number, with the country code "
                                         "(e.g. +44 7700 900123)? You can also share their contact.", 4000))
    return PHONE


async def phone_given(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The phone, typed or from a shared contact: checked, then ask for a note."""
    message = update.effective_message
    assert message is not None
    raw = message.contact.phone_number if message.contact is not None else (message.text or "")
    try:
        _draft(context).phone = referrals.check_phone(raw, deps_of(context).region)
    except DomainError as exc:
        await message.reply_text(limits.clip(f"{exc.message} Send their number again, or /cancel.", 4000))
        return PHONE
    await message.reply_text("A note for the centre (what they are interested in, when to call)? Or press Skip.",
                             reply_markup=InlineKeyboardMarkup([[_button("Skip", ReferSkip())]]))
    return NOTE


async def _confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert update.effective_chat is not None
    d = _draft(context)
    lines = [f"Refer <b>{html.escape(d.name)}</b> ({html.escape(d.phone)})?"]
    if d.note:
        lines.append(f"Note: {html.escape(limits.clip(d.note, 600))}")
    await context.bot.send_message(
        update.effective_chat.id, "\n".join(lines), parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup([[_button("Confirm", ReferConfirm()), _button("Cancel", ReferCancel())]]))
    return CONFIRM


async def note_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The note: checked, then the summary to confirm."""
    message = update.effective_message
    assert message is not None
    try:
        _draft(context).note = referrals.check_note(message.text or "")
    except DomainError as exc:
        await message.reply_text(limits.clip(f"{exc.message} Send a shorter note, or press Skip.", 4000))
        return NOTE
    return await _confirm(update, context)


async def skip_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Skip: no note; the summary to confirm."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    _draft(context).note = ""
    await query.edit_message_reply_markup(None)
    return await _confirm(update, context)


async def confirm_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Confirm: the referral is recorded (the service checks it again); Cancel: nothing."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    button = callbacks.decode(query.data)
    if isinstance(button, ReferCancel):
        await query.answer("Cancelled.")
        await query.edit_message_text("Cancelled; nobody was referred.")
        context.user_data.pop(DRAFT, None)
        return ConversationHandler.END
    if not isinstance(button, ReferConfirm):
        await query.answer("This button is no longer valid.")
        return CONFIRM
    actor, d = _actor(context), _draft(context)
    try:
        if actor is None:
            raise DomainError("Your account is not active.")
        await asyncio.to_thread(referrals.refer, deps_of(context).db.uow(), actor, name=d.name, phone=d.phone,
                                note=d.note, region=deps_of(context).region)
    except DomainError as exc:
        await query.answer()
        await query.edit_message_text(limits.clip(f"Not referred: {exc.message}", 4000))
        context.user_data.pop(DRAFT, None)
        return ConversationHandler.END
    await query.answer("Referred.")
    await query.edit_message_text(limits.clip(f"Thank you! The centre will get in touch with {d.name}. We will tell "
                                              "you when they join.", 4000))
    context.user_data.pop(DRAFT, None)
    return ConversationHandler.END


cancel = cancel_step(DRAFT, said="Stopped; nobody was referred.")


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """The /refer conversation."""
    text = filters.TEXT & ~filters.COMMAND
    return [IdleEndingConversation(
        entry_points=[CommandHandler("refer", start)],
        states={
            NAME: [MessageHandler(text, name_text)],
            PHONE: [MessageHandler(text | filters.CONTACT, phone_given)],
            NOTE: [CallbackQueryHandler(skip_button, pattern=callbacks.pattern(ReferSkip)),
                   MessageHandler(text, note_text)],
            CONFIRM: [CallbackQueryHandler(confirm_button, pattern=callbacks.pattern(ReferConfirm))],
        },
        fallbacks=[CommandHandler("cancel", cancel), *within_conversation()],
        name="refer",
        idle_text="Your /refer was left unfinished for over an hour, so it has ended; nobody was referred.",
    )]
