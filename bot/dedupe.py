"""Drop an update delivered twice: recent ids in memory, and all processes' ids in the database."""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from telegram import Update
from telegram.ext import ApplicationHandlerStop, CallbackContext

from domain.ops import updates
from domain.uow import Database


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


class UpdateLedger:
    """First handler group: skip what this or another process handled; last group: record it."""

    def __init__(self, db: Database | None) -> None:
        self.db = db
        self.recent = RecentUpdates()

    async def check(self, update: object, _context: CallbackContext) -> None:  # type: ignore[type-arg]
        if not isinstance(update, Update):
            return
        if self.recent.seen(update.update_id):
            raise ApplicationHandlerStop
        if self.db is not None and await asyncio.to_thread(updates.was_handled, self.db.uow(readonly=True),
                                                           update.update_id):
            raise ApplicationHandlerStop

    async def record(self, update: object, _context: CallbackContext) -> None:  # type: ignore[type-arg]
        if isinstance(update, Update) and self.db is not None:
            await asyncio.to_thread(updates.mark_handled, self.db.uow(), update.update_id)
