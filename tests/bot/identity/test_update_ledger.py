"""The dedupe ledger writes handled update ids in batches: soon after handling, and at shutdown."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.dedupe import FLUSH_AFTER, UpdateLedger
from domain.ops import updates


class _Context:  # PTB's CallbackContext carries the sender to later groups; any object with attributes will do
    pass


async def test_handled_ids_are_written_in_one_batch_and_the_rest_at_shutdown(db):
    ledger = UpdateLedger(db)
    for n in (11, 12, 13):
        await ledger.record(Update(n), _Context())
    await asyncio.sleep(FLUSH_AFTER * 4)
    assert all(updates.was_handled(db.uow(readonly=True), n) for n in (11, 12, 13))
    await ledger.record(Update(14), _Context())
    await ledger.close()  # shutdown: written now, not lost
    assert updates.was_handled(db.uow(readonly=True), 14)
    # Another process's ledger (nothing in memory) skips them all.
    other = UpdateLedger(db)
    for n in (11, 14):
        try:
            await other.check(Update(n), _Context())
        except ApplicationHandlerStop:
            continue
        raise AssertionError(f"update {n} was handled twice")
