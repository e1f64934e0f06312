"""The bot's one check on what people type, before any handler reads it: text (or a caption) with a
NUL byte, another control character or broken Unicode is refused with a reply saying why
(domain.textinput, the same rule as the web's)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, CallbackContext

from domain.textinput import text_problem


async def refuse_unstorable_text(update: object, context: CallbackContext) -> None:  # type: ignore[type-arg]
    """Early handler group: stop an update whose typed text we could not store, and say why."""
    message = update.effective_message if isinstance(update, Update) else None
    if message is None:
        return
    for text in (message.text, message.caption):
        problem = text_problem(text) if text else None
        if problem is not None:
            await message.reply_text(f"Your message contains {problem}; nothing was done. "
                                     "Please send it again without it.")
            raise ApplicationHandlerStop
