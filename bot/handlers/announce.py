"""/announce (teachers and admins): pick the target with buttons, type the title and the text, say whether
it is urgent, then Confirm. The target is checked again by the service when it is posted."""

from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass, field

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
from bot.announce_callbacks import AnnounceStep, AnnounceTarget
from bot.conversations import IdleEndingConversation, cancel_step
from bot.deps import deps_of
from bot.fallback import within_conversation
from bot.identity import person_of
from bot.messages.announcements import announcement_text
from domain.actors import Actor
from domain.announcements import services as announcements
from domain.announcements.targets import Target
from domain.errors import DomainError

TARGET, TITLE, TEXT, URGENT, CONFIRM = range(5)
DRAFT = "announce_draft"
MAX_TARGETS = 40
NOT_LINKED = "You are not linked yet. Send /start to begin."


@dataclass
class Draft:
    targets: list[Target] = field(default_factory=list)
    target: Target | None = None
    title: str = ""
    text: str = ""
    urgent: bool = False


def _draft(context: ContextTypes.DEFAULT_TYPE) -> Draft:
    assert context.user_data is not None
    return context.user_data.setdefault(DRAFT, Draft())


def _button(text: str, data: callbacks.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=callbacks.encode(data))  # type: ignore[arg-type]


def _label(t: Target) -> str:
    kind = {"batch": "", "group": "Group: ", "team": "Team: ", "role": ""}[t.kind]
    return (kind + t.label)[:60]


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/announce: the targets the sender may announce to, as buttons."""
    assert update.effective_message is not None and context.user_data is not None
    person = person_of(context)
    if person is None:
        await update.effective_message.reply_text(NOT_LINKED)
        return ConversationHandler.END
    try:
        targets = await asyncio.to_thread(announcements.my_targets, deps_of(context).db.uow(readonly=True),
                                          Actor.telegram(person.id))
    except DomainError as exc:
        await update.effective_message.reply_text(exc.message)
        return ConversationHandler.END
    if not targets:
        await update.effective_message.reply_text("You teach no batch yet, so there is nobody to announce to.")
        return ConversationHandler.END
    context.user_data[DRAFT] = Draft(targets=targets[:MAX_TARGETS])
    rows = [[_button(_label(t), AnnounceTarget(n))] for n, t in enumerate(targets[:MAX_TARGETS])]
    await update.effective_message.reply_text("New announcement. Who is it for? (/cancel to stop)",
                                              reply_markup=InlineKeyboardMarkup(rows))
    return TARGET


async def got_target(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The target chosen: ask the title."""
    query = update.callback_query
    assert query is not None
    chosen = callbacks.decode_as(query.data, AnnounceTarget)
    draft = _draft(context)
    if chosen is None or chosen.choice >= len(draft.targets):
        await query.answer("This button is no longer valid.", show_alert=True)
        return TARGET
    draft.target = draft.targets[chosen.choice]
    await query.answer()
    await query.edit_message_text(f"To: <b>{html.escape(draft.target.label)}</b>", parse_mode=ParseMode.HTML)
    await query.message.reply_text(  # type: ignore[union-attr]
        f"The title, in a few words (at most {announcements.MAX_TITLE} characters)?")
    return TITLE


async def got_title(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The title: ask the text."""
    assert update.effective_message is not None
    title = " ".join((update.effective_message.text or "").split())
    if not title or len(title) > announcements.MAX_TITLE:
        await update.effective_message.reply_text(f"A title of 1 to {announcements.MAX_TITLE} characters, please.")
        return TITLE
    _draft(context).title = title
    await update.effective_message.reply_text("And the text of the announcement?")
    return TEXT


async def got_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The text: ask whether it is urgent."""
    assert update.effective_message is not None
    text = (update.effective_message.text or "").strip()
    if not text or len(text) > announcements.MAX_TEXT:
        await update.effective_message.reply_text(f"A text of 1 to {announcements.MAX_TEXT} characters, please.")
        return TEXT
    _draft(context).text = text
    await update.effective_message.reply_text(
        "Is it urgent? Urgent announcements are sent during quiet hours too.",
        reply_markup=InlineKeyboardMarkup([[_button("Not urgent", AnnounceStep("n")),
                                            _button("Urgent", AnnounceStep("u"))]]))
    return URGENT


async def got_urgency(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Urgent or not: show the announcement as it will read, with Confirm / Cancel."""
    query = update.callback_query
    assert query is not None
    step = callbacks.decode_as(query.data, AnnounceStep)
    if step is None or step.step not in ("u", "n"):
        await query.answer("This button is no longer valid.")
        return URGENT
    draft = _draft(context)
    draft.urgent = step.step == "u"
    await query.answer()
    person = person_of(context)
    assert draft.target is not None
    preview = announcement_text(draft.title, draft.text, person.name if person else "", draft.target.label,
                                urgent=draft.urgent)
    await query.edit_message_text("This is what they will read:\n\n" + preview, parse_mode=ParseMode.HTML,
                                  reply_markup=InlineKeyboardMarkup([[_button("Confirm", AnnounceStep("ok")),
                                                                      _button("Cancel", AnnounceStep("no"))]]))
    return CONFIRM


async def confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Confirm: post it (each recipient is told through the outbox); Cancel: nothing is posted."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    step = callbacks.decode_as(query.data, AnnounceStep)
    draft, person = _draft(context), person_of(context)
    if step is None or step.step != "ok" or draft.target is None or person is None:
        await query.answer("Cancelled.")
        await query.edit_message_reply_markup(None)
        await query.message.reply_text("Cancelled; nothing was sent.")  # type: ignore[union-attr]
        context.user_data.pop(DRAFT, None)
        return ConversationHandler.END
    try:
        posted = await asyncio.to_thread(announcements.post, deps_of(context).db.uow(), Actor.telegram(person.id),
                                         draft.target.key, draft.title, draft.text, urgent=draft.urgent)
    except DomainError as exc:
        await query.answer(exc.message[:190], show_alert=True)
        context.user_data.pop(DRAFT, None)
        return ConversationHandler.END
    await query.answer("Posted.")
    await query.edit_message_reply_markup(None)
    await query.message.reply_text(  # type: ignore[union-attr]
        f"Posted to {posted.target}: on its way to {posted.recipients} "
        f"{'person' if posted.recipients == 1 else 'people'}. The console's Announcements page shows "
        "how many have it.")
    context.user_data.pop(DRAFT, None)
    return ConversationHandler.END


cancel = cancel_step(DRAFT, said="Stopped; nothing was sent.")


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """The /announce conversation."""
    text = filters.TEXT & ~filters.COMMAND
    return [
        IdleEndingConversation(
            entry_points=[CommandHandler("announce", start)],
            states={
                TARGET: [CallbackQueryHandler(got_target, pattern=callbacks.pattern(AnnounceTarget))],
                TITLE: [MessageHandler(text, got_title)],
                TEXT: [MessageHandler(text, got_text)],
                URGENT: [CallbackQueryHandler(got_urgency, pattern=callbacks.pattern(AnnounceStep))],
                CONFIRM: [CallbackQueryHandler(confirm, pattern=callbacks.pattern(AnnounceStep))],
            },
            fallbacks=[CommandHandler("cancel", cancel), *within_conversation()],
            name="announce",
            idle_text="Your /announce was left unfinished for over an hour, so it has ended; nothing was sent. "
                      "Send /announce to start again.",
        ),
    ]
