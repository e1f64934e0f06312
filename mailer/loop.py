"""The email delivery loop: drains the outbox's email rows over SMTP, paced, retried, safe across restarts.

At least once: a row is marked sent only after the server accepted it; a crash in between sends it
again once its claim's lease lapses (the Message-ID is the row's, so a resend is recognisably the same).
Pacing: at most `email.per_minute` messages in any minute (a rule, read once per batch). Quiet hours,
retries and dead letters are the outbox's (domain.outbox), as for Telegram."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter, deque
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

import aiosmtplib

import mailer.kinds_announcements  # noqa: F401  (registers its renderer)
from domain import mailqueue, outbox
from domain.outbox import Delivery
from domain.uow import Database
from mailer import (  # noqa: F401  (these register renderers)
    compose,
    kinds_alerts,
    kinds_fees,
    kinds_homework,
    kinds_marks,
    kinds_people,
    kinds_tasks,
    kinds_tickets,
)
from mailer.registry import MailContext
from mailer.smtp import Outcome, SmtpConfig, send

log = logging.getLogger(__name__)
Ready = tuple[Delivery, EmailMessage, str]  # a claimed row, its message, the address it goes to


@dataclass
class MailConfig:
    backoff_base: float = 30.0  # seconds before the first retry; doubling, up to backoff_max
    backoff_max: float = 3600.0
    idle_poll: float = 2.0
    batch: int = 20
    wake_on_commit: bool = True


class MailLoop:
    """Claims email rows, renders them (mailer.registry) and sends them over one SMTP connection per batch."""

    def __init__(self, db: Database, ctx: MailContext, smtp: SmtpConfig, config: MailConfig | None = None) -> None:
        self.db, self.ctx, self.smtp = db, ctx, smtp
        self.config = config or MailConfig()
        self.stats: Counter[str] = Counter()
        self._sent_at: deque[float] = deque()  # monotonic times of the last minute's sends
        self._per_minute = 60
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- control ---------------------------------------------------------------------------------
    def wake(self) -> None:
        self._wake.set()

    def _wake_from_any_thread(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._wake.set)

    async def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    async def run(self) -> None:
        """Until stopped: send what is due, then wait for a commit or the next poll."""
        log.info("email delivery loop started (%s:%s, %s)", self.smtp.host, self.smtp.port, self.smtp.tls)
        self._loop = asyncio.get_running_loop()
        if self.config.wake_on_commit:
            self.db.outbox_listeners.append(self._wake_from_any_thread)
        failures = 0
        try:
            while not self._stop.is_set():
                self._wake.clear()
                try:
                    done = await self.step()
                    failures = 0
                except Exception:  # the database away for a moment: back off, never exit
                    failures += 1
                    log.exception("the email delivery loop failed (%d in a row)", failures)
                    done = 0
                    await self._pause(min(60.0, self.config.idle_poll * 2 ** failures))
                if not done:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.config.idle_poll)
        finally:
            with contextlib.suppress(ValueError):
                self.db.outbox_listeners.remove(self._wake_from_any_thread)
            log.info("email delivery loop stopped")

    async def drain(self, timeout: float = 60.0) -> None:
        """Send until nothing is due (for tests and tools)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not await self.step():
                return
        raise TimeoutError("the email outbox did not drain in time")

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)

    # -- one batch -----------------------------------------------------------------------------
    async def step(self) -> int:
        """Claim, render and send one batch; the number of rows claimed (0: nothing due)."""
        room = self._room()
        if room <= 0:
            await self._pause(self._sent_at[0] + 60.0 - time.monotonic())
            return 1  # come back at once: rows are waiting for the pace
        ready = await asyncio.to_thread(self._claim_and_render, min(room, self.config.batch))
        if ready is None:
            return 0
        await self._send_all(ready)
        return max(1, len(ready))

    def _room(self) -> int:
        now = time.monotonic()
        while self._sent_at and self._sent_at[0] <= now - 60.0:
            self._sent_at.popleft()
        return self._per_minute - len(self._sent_at)

    def _claim_and_render(self, limit: int) -> list[Ready] | None:
        """In a worker thread: read the pace, claim due rows, render them; settle what cannot be sent.
        None when nothing was claimed; [] when the minute's pace is used up."""
        self._per_minute = mailqueue.per_minute(self.db.uow(readonly=True))
        room = min(limit, self._room())  # the rule may have just been lowered
        if room <= 0:
            return []
        claimed = mailqueue.claim_email(self.db.uow(), room)
        if not claimed:
            return None
        out: list[Ready] = []
        for d in claimed:
            address, name = mailqueue.address_of(d)
            if not address:
                mailqueue.mark_no_address(self.db.uow(), d)
                self.stats["unreachable"] += 1
                continue
            try:
                email = self.ctx.render(d)
                settings = self.ctx.links.settings_url(d.recipient_id) if d.channel == "email" else None
                msg = compose.build(email, sender=self.smtp.sender, to_address=address, to_name=name,
                                    notification_id=d.id, settings_url=settings, now=self.ctx.now)
            except Exception as exc:  # one bad row never stops the others
                log.exception("rendering email %s (%s) failed", d.id, d.kind)
                self._retry(d, f"render: {type(exc).__name__}: {exc}")
                continue
            out.append((d, msg, address))
        return out

    async def _send_all(self, ready: list[Ready]) -> None:
        """One connection for the batch; a row's outcome is recorded as it comes."""
        if not ready:
            return
        client = self.smtp.client()
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as exc:  # down, refused, TLS or login failed
            log.warning("cannot reach the SMTP server %s:%s: %s", self.smtp.host, self.smtp.port, exc)
            await asyncio.to_thread(self._retry_all, [d for d, _m, _a in ready], f"connect: {exc}")
            return
        sent: list[tuple[int, int | None, int | None, bool]] = []
        try:
            for n, (d, msg, address) in enumerate(ready):
                if self._stop.is_set():
                    await asyncio.to_thread(outbox.release, self.db.uow(), [r[0].id for r in ready[n:]])
                    break
                outcome, words = await send(client, self.smtp, msg, address)
                self._sent_at.append(time.monotonic())
                if outcome == Outcome.SENT:
                    sent.append((d.id, None, None, d.kind in outbox.SENSITIVE_KINDS))
                    self.stats["sent"] += 1
                elif outcome == Outcome.LOST:
                    await asyncio.to_thread(self._retry_all, [r[0] for r in ready[n:]], words)
                    break
                else:
                    await asyncio.to_thread(self._settle, d, outcome, words)
        finally:
            await asyncio.to_thread(outbox.mark_sent_many, self.db.uow(), sent)
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                await client.quit()

    def _settle(self, d: Delivery, outcome: Outcome, words: str) -> None:
        if outcome == Outcome.REFUSED:
            log.warning("email %s refused for good: %s", d.id, words)
            mailqueue.mark_refused(self.db.uow(), d, words)
            self.stats["refused"] += 1
        elif outcome == Outcome.DEAD:
            log.error("the SMTP server refused email %s (%s): %s", d.id, d.kind, words)
            outbox.mark_dead(self.db.uow(), d.id, words)
            self.stats["dead"] += 1
        else:
            self._retry(d, words)

    def _retry(self, d: Delivery, error: str) -> None:
        delay = min(self.config.backoff_base * 2 ** max(d.attempts - 1, 0), self.config.backoff_max)
        status = outbox.mark_retry(self.db.uow(), d.id, error, timedelta(seconds=delay), d.attempts)
        self.stats["retried" if status == outbox.NotificationStatus.PENDING else "dead"] += 1

    def _retry_all(self, rows: list[Delivery], error: str) -> None:
        for d in rows:
            self._retry(d, error)
