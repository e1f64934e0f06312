"""Drop an update delivered twice: remember recent update ids (not just the highest one)."""

from __future__ import annotations

from collections import OrderedDict

from telegram import Update
from telegram.ext import ApplicationHandlerStop, CallbackContext


class RecentUpdates:
    """A bounded set of update ids seen lately; Telegram may restart its sequence, so no '<' test."""

    def __init__(self, size: int = 10_000) -> None:
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._size = size

    def seen(self, update_id: int) -> bool:
        """True if seen before; otherwise remember it."""
        if update_id in self._seen:
            self._seen.move_to_end(update_id)
            return True
        self._seen[update_id] = None
        if len(self._seen) > self._size:
            self._seen.popitem(last=False)
        return False

    async def guard(self, update: object, _context: CallbackContext) -> None:  # type: ignore[type-arg]
        if isinstance(update, Update) and self.seen(update.update_id):
            raise ApplicationHandlerStop
