"""Conversations that end when left idle, so that nothing can wedge one.

PTB's own `conversation_timeout` needs a JobQueue, and scheduling is scheduler/'s job. So the end comes
lazily: the first update of a conversation left idle longer than IDLE (by the application's clock) is
answered "this ... has ended" and the conversation ends there; nothing it held is applied. A person who
left /assign at the recipients step and types a question the next day is told the assignment has ended,
not shown a search for their question.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes, ConversationHandler, TypeHandler

from bot.deps import deps_of

IDLE = timedelta(hours=1)


class IdleEndingConversation(ConversationHandler):  # type: ignore[type-arg]
    """A ConversationHandler whose conversations end, with `idle_text`, after IDLE without a step."""

    def __init__(self, *args: Any, idle_text: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._idle_text = idle_text
        self._seen: dict[object, datetime] = {}
        self._ender = TypeHandler(Update, self._ended)

    async def _ended(self, update: Update, _context: Any) -> object:
        """The stand-in step of an idle conversation: say so, and end it."""
        if update.callback_query is not None:
            await update.callback_query.answer(self._idle_text, show_alert=True)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(self._idle_text)
        return self.END

    async def handle_update(self, update: Update, application: Application,  # type: ignore[override,type-arg]
                            check_result: Any, context: Any) -> object:
        """Run the step, unless the conversation was left idle: then end it with a word."""
        state, key, handler, check = check_result
        now = deps_of(context).db.clock.now()
        last = self._seen.get(key)
        self._seen[key] = now
        idle = last is not None and now - last > IDLE
        if idle and state is not None and state != self.WAITING and handler not in self.entry_points:
            handler, check = self._ender, self._ender.check_update(update)
        return await super().handle_update(update, application, (state, key, handler, check), context)


def cancel_step(*draft_keys: str, said: str) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[int]]:
    """A conversation's /cancel: forget its draft (`draft_keys` in user_data), say `said`, end."""

    async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        """/cancel in a conversation: nothing it held is applied."""
        if context.user_data is not None:
            for key in draft_keys:
                context.user_data.pop(key, None)
        if update.effective_message:
            await update.effective_message.reply_text(said)
        return ConversationHandler.END

    return cancel
