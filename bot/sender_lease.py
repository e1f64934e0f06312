"""The delivery loop's side of the sending lease (domain.ops.sender): take it, keep it, give it back.

Only the process holding the lease claims and sends the outbox, so Telegram's per-token limits are paced
by one Pacer however many bot processes run; the others stand by and take over once it lapses.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from telegram.ext import Updater

from domain.ops import sender
from domain.uow import Database

log = logging.getLogger(__name__)


class SenderLease:
    """Takes and renews the lease in the background; `leads()` says whether this process may send now."""

    def __init__(self, db: Database, holder: str, on_lead: Callable[[], None],
                 renew_every: float = 1.5, standby_every: float = 1.0,
                 gone: Callable[[str], bool] = lambda _holder: False) -> None:
        self.db, self.holder, self.on_lead, self.gone = db, holder, on_lead, gone
        self.renew_every, self.standby_every = renew_every, standby_every
        self.fresh_for = sender.FRESH_FOR.total_seconds()
        self._taken_at = -1e9  # monotonic start of the last successful take or renewal
        self._not_before = 0.0  # after a takeover: Telegram's one-second window of the previous holder
        self.takeovers = 0

    def leads(self) -> bool:
        """True while the last renewal is fresh: well inside the lease, before any other may take it (and,
        after a takeover, once a second has passed: the previous holder's last sends leave the window)."""
        now = time.monotonic()
        return now - self._taken_at < self.fresh_for and now >= self._not_before

    async def keep(self, stop: asyncio.Event) -> None:
        """Take or renew until `stop` is set; never raises (a failed renewal just lets the lease age)."""
        while not stop.is_set():
            started = time.monotonic()
            was_leading = self.leads()
            try:
                lead = await asyncio.to_thread(sender.take, self.db.uow(), self.holder, gone=self.gone)
            except Exception:
                log.exception("taking the sending lease failed")
                lead = None
            if lead is not None:
                self._taken_at = started
                if lead.taken_from is not None:
                    self.takeovers += 1
                    self._not_before = time.monotonic() + 1.0
                    log.warning("took over sending from %s (epoch %d)", lead.taken_from, lead.epoch)
                    await asyncio.sleep(1.0)
                if not was_leading:
                    log.info("this process sends the outbox now (epoch %d)", lead.epoch)
                    self.on_lead()
            elif was_leading:
                log.warning("another process sends the outbox now; standing by")
                self._taken_at = -1e9
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.renew_every if self.leads() else self.standby_every)

    def release(self) -> None:
        """In a worker thread, at a clean stop (a second after the last send): a standby may take over now."""
        self._taken_at = -1e9
        sender.release(self.db.uow(), self.holder)


async def poll_while_leading(updater: Updater, leading: Callable[[], bool], stop: asyncio.Event,
                             every: float = 0.5) -> None:
    """Polling mode: only the process that sends polls too, so every call with the token (replies as well as
    notifications) goes through one Pacer, and no two processes' getUpdates end each other's (409)."""
    while not stop.is_set():
        leads = leading()
        try:
            if leads and not updater.running:
                await updater.start_polling(drop_pending_updates=False)
            elif not leads and updater.running:
                await updater.stop()
        except Exception:
            log.exception("starting or stopping polling failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
