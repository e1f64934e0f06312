"""Drop an update delivered twice: recent ids in memory, and all processes' ids in the database.

Handled ids are written in batches (one transaction per FLUSH_AFTER seconds, not one per update): on
SQLite every write transaction waits its turn, and this one came with every update. The cost is a short
window (FLUSH_AFTER) in which a redelivery to another process could be handled again, as it could between
handling an update and recording it; the batch is written at shutdown too (`flush`)."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict

from telegram import Update
from telegram.ext import ApplicationHandlerStop, CallbackContext

from bot.identity import keep_sender, sender_of
from domain.ops import updates
from domain.people.profile import LinkedPerson
from domain.uow import Database

log = logging.getLogger(__name__)


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


FLUSH_AFTER = 0.05  # seconds a handled id may wait to be written with the next ones


class UpdateLedger:
    """First handler group: skip what this or another process handled; last group: record it."""

    def __init__(self, db: Database | None) -> None:
        self.db = db
        self.recent = RecentUpdates()
        self._pending: list[int] = []
        self._flushing: asyncio.Task[None] | None = None

    async def check(self, update: object, _context: CallbackContext) -> None:  # type: ignore[type-arg]
        if not isinstance(update, Update):
            return
        if self.recent.seen(update.update_id):
            raise ApplicationHandlerStop
        if self.db is None:
            return
        handled, sender = await asyncio.to_thread(self._arrival, self.db, update)
        if handled:
            raise ApplicationHandlerStop
        keep_sender(_context, sender)  # one trip to a worker thread for both lookups

    @staticmethod
    def _arrival(db: Database, update: Update) -> tuple[bool, LinkedPerson | None]:
        """Whether the update was handled already and, if not, who sent it."""
        if updates.was_handled(db.uow(readonly=True), update.update_id):
            return True, None
        return False, sender_of(db, update)

    async def record(self, update: object, _context: CallbackContext) -> None:  # type: ignore[type-arg]
        if isinstance(update, Update) and self.db is not None:
            self._pending.append(update.update_id)
            if self._flushing is None or self._flushing.done():
                self._flushing = asyncio.create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        await asyncio.sleep(FLUSH_AFTER)
        try:
            await self.flush()
        except Exception:  # kept for the next flush; the updates themselves were handled
            log.exception("could not record %d handled update ids (will try again)", len(self._pending))

    async def flush(self) -> None:
        """Write the handled ids not written yet (kept for the next flush if the write fails)."""
        ids, self._pending = self._pending, []
        if ids and self.db is not None:
            try:
                await asyncio.to_thread(updates.mark_handled_many, self.db.uow(), ids)
            except Exception:
                self._pending[:0] = ids
                raise

    async def close(self) -> None:
        """At shutdown: wait for a flush under way (at most FLUSH_AFTER away), then write what is left."""
        if self._flushing is not None:
            await self._flushing
        await self.flush()
