"""The bot in groups and supergroups: nothing personal is ever said there.

One gate, registered before any feature, takes every update from a chat that is not private: a command
meant for this bot gets a short answer with a button that opens the private chat (a t.me deep link that
names the command), a button press is refused with an alert, anything else is left unanswered as before.
No feature handler sees such an update, so a new command is covered without a line of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, CallbackContext

from bot.deps import deps_of
from bot.messages.account import GROUP_BUTTON_REFUSED, PRIVATE_CHAT_BUTTON, PRIVATE_ONLY

log = logging.getLogger(__name__)

GROUP_TYPES = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})
PAYLOAD_PREFIX = "cmd-"  # /start cmd-<command>: the private chat opened from a group's button

Recorder = Callable[[object, CallbackContext], Awaitable[None]]  # type: ignore[type-arg]


def private_chat_url(bot_username: str, command: str) -> str:
    """The deep link that opens the private chat and says which command was asked for."""
    if not bot_username:
        return "https://t.me/"
    return f"https://t.me/{bot_username}?start={PAYLOAD_PREFIX}{command}"


def asked_command(payload: str) -> str | None:
    """The command named by a deep-link payload from a group's button, if it is one."""
    if payload.startswith(PAYLOAD_PREFIX):
        command = payload[len(PAYLOAD_PREFIX):]
        if command and command.replace("_", "").isalnum() and len(command) <= 32:
            return command.lower()
    return None


def command_of(message: Message | None, bot_username: str) -> str | None:
    """The command a message starts with, as CommandHandler reads it; None when addressed to another bot."""
    if message is None or not message.text or not message.entities:
        return None
    first = message.entities[0]
    if first.type != MessageEntity.BOT_COMMAND or first.offset != 0:
        return None
    name, _, target = message.text[1:first.length].partition("@")
    if target and target.lower() != bot_username.lower():
        return None
    return name.lower()


def _username(context: CallbackContext) -> str:  # type: ignore[type-arg]
    """The bot's @username: the root's, else the one getMe told at start."""
    name = deps_of(context).bot_username
    if name:
        return name
    try:
        return context.bot.username or ""
    except RuntimeError:  # the bot was not initialised (never in a running application)
        return ""


class GroupChatGate:
    """An early handler group: answer what a group may see, then stop the update there."""

    def __init__(self, commands: frozenset[str], record: Recorder) -> None:
        self.commands = commands
        self.record = record  # the dedupe ledger's record: the stopped update counts as handled

    async def __call__(self, update: object, context: CallbackContext) -> None:  # type: ignore[type-arg]
        """Let private chats through; in any other chat answer briefly and stop."""
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        if update.effective_chat.type == ChatType.PRIVATE:
            return
        try:
            if update.effective_chat.type in GROUP_TYPES:
                await self._answer(update, context)
            elif update.callback_query is not None:  # a channel: no personal buttons there either
                await update.callback_query.answer(GROUP_BUTTON_REFUSED, show_alert=True)
        except Exception:  # never fall through to the features, whatever went wrong
            log.exception("answering update %s in a %s chat failed", update.update_id, update.effective_chat.type)
        await self.record(update, context)
        raise ApplicationHandlerStop

    async def _answer(self, update: Update, context: CallbackContext) -> None:  # type: ignore[type-arg]
        if update.callback_query is not None:
            await update.callback_query.answer(GROUP_BUTTON_REFUSED, show_alert=True)
            return
        username = _username(context)
        command = command_of(update.effective_message, username)
        if command is None or command not in self.commands or update.effective_message is None:
            return  # chatter, contacts, members joining, other bots' commands: unanswered, as before
        button = InlineKeyboardButton(PRIVATE_CHAT_BUTTON, url=private_chat_url(username, command))
        await update.effective_message.reply_text(PRIVATE_ONLY.format(command=command),
                                                  reply_markup=InlineKeyboardMarkup([[button]]))
