"""Answers for what no feature handled, so that nothing a person sends goes unanswered.

Two pieces, registered by `install` after the features: `mark_unhandled`, the last handler of the default
group, runs only when no feature handler there took a message or a button press (PTB runs the first match
of a group) and marks it; `answer_unhandled`, in a late group of its own, answers what was marked. A
feature never loses an update to a fallback, whatever the order the features are added in. In a private
chat only: groups and channels never reach here (bot.group_chats answers them first and stops the update).

- an unknown command: "I do not know /x" and the commands of the person's role; a known one that no
  handler took (/assign during /assign) says another step is waiting; /cancel with nothing to cancel says so;
- text outside a conversation: "I did not understand" and what the person can do here, by role;
- a photo, document, voice note, sticker or other media: what the bot reads, and the same list;
- a button: "this step is over" when its data is one of ours (a step of a finished conversation, say
  Confirm pressed twice), else "This button is no longer valid"; never left spinning.
`within_conversation` gives conversations a fallback of their own: a message that does not fit the step
(a photo when a title is asked for) is told to answer the question or /cancel, not "I did not understand".
"""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackContext,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import callbacks
from bot.commands import help_text, registered_commands
from bot.identity import person_of
from bot.messages import limits

log = logging.getLogger(__name__)

_MARK = "taskbell_unhandled"
_KNOWN = "taskbell_known_commands"  # bot_data: the commands handlers answer, found once
NO_LONGER_VALID = "This button is no longer valid."
STEP_OVER = "This step is over; nothing was changed."
NOT_UNDERSTOOD = "Sorry, I did not understand that."
UNKNOWN_COMMAND = "I do not know the command /{command}."
NOTHING_TO_CANCEL = "There is nothing to cancel."
BUSY = "/{command} cannot start now: another step is waiting for your answer. Finish it, or send /cancel first."
OFF_STEP = "That does not fit this step. Please answer the question above, or send /cancel to stop."
MEDIA = {"photo": "a photo", "document": "a document", "voice": "a voice note", "sticker": "a sticker",
         "video": "a video", "video_note": "a video message", "audio": "an audio file",
         "animation": "a GIF", "location": "a location", "venue": "a place", "poll": "a poll",
         "dice": "a dice", "story": "a story", "game": "a game"}
CANNOT_READ = "I cannot read {what}: I understand typed commands and the buttons on my messages."


async def mark_unhandled(update: object, context: CallbackContext) -> None:  # type: ignore[type-arg]
    """Last handler of the default group: no feature took this update."""
    setattr(context, _MARK, True)


def kind_of(message: Message) -> str | None:
    """What media a message carries, in words (None for plain text or a service message)."""
    return next((words for attr, words in MEDIA.items() if getattr(message, attr, None)), None)


def reply_for(message: Message, role_help: str, known: frozenset[str] = frozenset()) -> str | None:
    """The answer to a message nobody handled, or None for one that needs none (a service message).
    `known`: the commands some handler answers (one of them unhandled: a conversation is under way)."""
    text = message.text or ""
    if text.startswith("/"):
        command = text[1:].split(maxsplit=1)[0].partition("@")[0] if len(text) > 1 else ""
        if command.lower() == "cancel":
            return NOTHING_TO_CANCEL
        if command.lower() in known:
            return BUSY.format(command=command.lower())
        head = UNKNOWN_COMMAND.format(command=limits.clip(command, 40)) if command else NOT_UNDERSTOOD
        return limits.clip(f"{head}\n\n{role_help}", limits.MAX_TEXT)
    what = kind_of(message)
    if what is not None:
        return limits.clip(f"{CANNOT_READ.format(what=what)}\n\n{role_help}", limits.MAX_TEXT)
    if text or message.caption:
        return limits.clip(f"{NOT_UNDERSTOOD}\n\n{role_help}", limits.MAX_TEXT)
    return None  # a service message (pinned, a member left, ...): nothing to say


async def answer_unhandled(update: object, context: CallbackContext) -> None:  # type: ignore[type-arg]
    """Late group: answer a private chat's update that no feature handled."""
    if not getattr(context, _MARK, False) or not isinstance(update, Update):
        return
    chat = update.effective_chat
    if update.callback_query is not None:
        known = callbacks.decode(update.callback_query.data) is not None
        try:
            await update.callback_query.answer(STEP_OVER if known else NO_LONGER_VALID)
        except BadRequest as exc:  # "query is too old": pressed long before we got to it; nothing to add
            log.info("could not answer a stale button press (update %s): %s", update.update_id, exc)
        return
    if update.message is None or chat is None or chat.type != ChatType.PRIVATE:
        return  # edits, membership changes, polls and the like need no answer
    person = person_of(context)
    known = context.bot_data.get(_KNOWN)
    if known is None:
        known = context.bot_data[_KNOWN] = registered_commands(context.application)
    reply = reply_for(update.message, help_text(person.role if person else None), known)
    if reply is not None:
        log.info("answered an unhandled message in chat %s (update %s)", chat.id, update.update_id)
        await update.message.reply_text(reply)


async def off_step(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A conversation's fallback: a message that does not fit the step it is at."""
    if update.message is not None:
        await update.message.reply_text(OFF_STEP)


def install(app: Application, group: int) -> None:  # type: ignore[type-arg]
    """Register the fallbacks; call it last, once every feature's handlers are in. The marker takes only
    messages and button presses, so a later handler of other updates (say, chat members) is not shadowed."""
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE, mark_unhandled))
    app.add_handler(CallbackQueryHandler(mark_unhandled))
    app.add_handler(TypeHandler(Update, answer_unhandled), group=group)


def within_conversation() -> list[BaseHandler]:  # type: ignore[type-arg]
    """Handlers to end a conversation's fallbacks with: a new message (not a command) that fits no step."""
    return [MessageHandler(filters.UpdateType.MESSAGE & ~filters.COMMAND & ~filters.StatusUpdate.ALL
                           & ~filters.CONTACT, off_step)]
