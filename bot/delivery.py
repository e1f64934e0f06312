"""The delivery loop: drains the outbox to Telegram, paced, retried, and safe across restarts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import timedelta

from telegram import Bot, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.messages import Rendered, Renderer, UnknownKind
from bot.ratelimit import LEFT, PacingRateLimiter, retry_after_seconds
from bot.sender_lease import SenderLease
from bot.worker_id import process_running, this_worker
from domain import outbox, workers
from domain.outbox import Delivery
from domain.uow import Database
from domain.workers import WorkerId

log = logging.getLogger(__name__)


@dataclass
class DeliveryConfig:
    per_second: float = 30.0  # also paces the bot's replies: see bot.ratelimit
    backoff_base: float = 1.0
    backoff_max: float = 300.0
    idle_poll: float = 0.5
    high_water: int = 0  # rows in flight at most; 0 means two seconds' worth
    heartbeat_every: float = 3.0  # seconds between this worker's heartbeats (see domain.workers)
    # A row is sent only this soon after the last heartbeat, well inside the lapse after which
    # other workers take it (so a slow or paused worker never sends what another has taken).
    fresh_for: float = workers.HEARTBEAT_LAPSE.total_seconds() * 2 / 3
    # Woken when a transaction of this process commits outbox rows (the web app, the scheduler, the
    # bot's handlers), so those go out at once; idle_poll is the fallback for other processes' rows.
    wake_on_commit: bool = True
    # Only the holder of the sending lease claims and sends (run() only; drain() sends regardless): one
    # Pacer for the token however many bot processes run (domain.ops.sender).
    sender_lease: bool = True


def _interleave(batch: list[Delivery]) -> list[Delivery]:
    """One row per chat per round, so one busy chat does not hold up the others."""
    per_chat: dict[int | None, list[Delivery]] = defaultdict(list)
    for d in batch:
        per_chat[d.chat_id].append(d)
    out: list[Delivery] = []
    while per_chat:
        for chat in list(per_chat):
            out.append(per_chat[chat].pop(0))
            if not per_chat[chat]:
                del per_chat[chat]
    return out


class DeliveryLoop:
    def __init__(self, bot: Bot, db: Database, renderer: Renderer, config: DeliveryConfig | None = None,
                 worker: WorkerId | None = None) -> None:
        self.bot, self.db, self.renderer = bot, db, renderer
        self.config = config or DeliveryConfig()
        self.worker = worker or this_worker()
        self.is_running = process_running  # how a successor on this host tells a dead predecessor
        # Heartbeats: when the last one was written (monotonic), and a generation bumped whenever
        # this worker may have looked dead to the others (rows claimed before then may be theirs now).
        self._registered = False
        self._beat_lock = threading.Lock()
        self._last_beat = -1e9
        self._generation = 0
        self._claimed_in: dict[int, int] = {}  # notification id -> generation it was claimed in
        self._abandoned: list[int] = []
        self._heart: asyncio.Task[None] | None = None
        self.lease: SenderLease | None = None  # set by run() when config.sender_lease
        self._keeper: asyncio.Task[None] | None = None
        self._last_send = -1e9  # monotonic time the last send was answered
        self._paid, self._paid_read_at = False, -1e9
        self.high_water = self.config.high_water or max(20, int(2 * self.config.per_second))
        # Claim and render in small batches, so rendering overlaps sending.
        self.batch = max(10, int(self.config.per_second // 3))
        self.stats: Counter[str] = Counter()
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._inflight: set[asyncio.Task[None]] = set()
        self._left: dict[asyncio.Task[None], list[bool]] = {}  # in flight -> [its request has left]
        self._sent: list[tuple[int, int | None, int | None, bool]] = []
        self._flushing: asyncio.Task[None] | None = None
        self._flush_lock = asyncio.Lock()

    # -- control ---------------------------------------------------------------------------
    def wake(self) -> None:
        """Something was just written to the outbox: look now rather than at the next poll."""
        self._wake.set()

    def _wake_from_any_thread(self) -> None:
        """The outbox listener: a commit in any thread of this process wakes the loop."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop is closing
                loop.call_soon_threadsafe(self._wake.set)

    def _gone(self, holder: str) -> bool:
        """A lease holder of this host whose process has ended (killed): no need to wait for its lease."""
        host, _, rest = holder.rpartition(":")[0].rpartition(":")
        return host == self.worker.host and rest.isdigit() and not self.is_running(int(rest))

    def may_poll(self) -> bool:
        """Polling mode: this process holds the sending lease (or sends without one)."""
        return self.lease.leads() if self.lease is not None else not self.config.sender_lease

    async def stop(self) -> None:
        """Finish the sends already on their way; rows still waiting for a paced slot go back at once."""
        self._stop.set()
        self._wake.set()
        waiting = [task for task, left in self._left.items() if not left[0]]
        for task in waiting:
            task.cancel()  # _deliver gives its row back
        if self._inflight:
            await asyncio.gather(*self._inflight, return_exceptions=True)
        if waiting and isinstance(limiter := getattr(self.bot, "rate_limiter", None), PacingRateLimiter):
            limiter.rewind()  # the bot's replies still to send need not wait behind the rows given back
        await self.flush()
        await self._retire()

    async def run(self) -> None:
        log.info("delivery loop started (worker %s)", self.worker.id)
        self._heart = asyncio.create_task(self._heartbeat())
        self._loop = asyncio.get_running_loop()
        if self.config.sender_lease:
            self.lease = SenderLease(self.db, self.worker.id, self._wake.set, gone=self._gone)
            self._keeper = asyncio.create_task(self.lease.keep(self._stop))
        if self.config.wake_on_commit:
            self.db.outbox_listeners.append(self._wake_from_any_thread)
        try:
            failures = 0
            while not self._stop.is_set():
                room = min(self.high_water - len(self._inflight), self.batch)
                self._wake.clear()  # cleared before claiming: a commit from now on is not missed
                if self.lease is not None and not self.lease.leads():
                    room = 0  # standing by: another process sends
                try:
                    batch = await self._claim(room) if room > 0 else []
                    failures = 0
                except Exception:  # e.g. the database is away for a moment: back off, never exit
                    failures += 1
                    log.exception("claiming from the outbox failed (%d in a row)", failures)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stop.wait(), min(30.0, self.config.idle_poll * 2 ** failures))
                    continue
                self._launch(batch)
                if not batch or room <= 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.config.idle_poll)
        finally:
            with contextlib.suppress(ValueError):
                self.db.outbox_listeners.remove(self._wake_from_any_thread)
            if self._inflight:
                await asyncio.gather(*self._inflight, return_exceptions=True)
            await asyncio.shield(self.flush())
            if self._heart is not None and not self._stop.is_set():
                self._heart.cancel()  # cancelled from outside (a crash, as far as the others know)
                if self._keeper is not None:
                    self._keeper.cancel()
            if self._stop.is_set():
                await asyncio.shield(self._retire())
            log.info("delivery loop stopped")

    # -- this worker's heartbeat ---------------------------------------------------------------
    async def _heartbeat(self) -> None:
        """Beat every few seconds, also while every slot is busy with sends (no claims meanwhile)."""
        while not self._stop.is_set():
            try:
                await asyncio.to_thread(self._beat, True)
            except Exception:
                log.exception("writing the delivery worker's heartbeat failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.config.heartbeat_every)

    def _beat(self, force: bool = False) -> None:
        """In a worker thread: register on first use (finding dead predecessors), then beat when due."""
        with self._beat_lock:
            started = time.monotonic()
            if not self._registered:
                dead = workers.register(self.db.uow(), self.worker, self.is_running)
                if dead:
                    log.warning("delivery workers %s are gone: their claims are due again", ", ".join(dead))
                self._registered = True
            elif force or started - self._last_beat >= self.config.heartbeat_every:
                alive = workers.beat(self.db.uow(), self.worker)
                if not alive or started - self._last_beat > self.config.fresh_for:
                    self._generation += 1  # others may have taken what is in hand: send none of it
                    log.warning("delivery worker %s was silent too long; rows in hand go back", self.worker.id)
            else:
                return
            self._last_beat = started

    def _may_send(self, d: Delivery) -> bool:
        """The row is still ours: claimed since the last lapse, and the heartbeat is fresh."""
        return (self._claimed_in.get(d.id) == self._generation
                and time.monotonic() - self._last_beat < self.config.fresh_for
                and (self.lease is None or self.lease.leads()))

    async def _retire(self) -> None:
        if self._heart is not None:
            await asyncio.gather(self._heart, return_exceptions=True)
        if self._keeper is not None:
            await asyncio.gather(self._keeper, return_exceptions=True)
            if self.lease is not None:
                # A standby may send at once: past the one-second window of this process's last send.
                await asyncio.sleep(max(0.0, self._last_send + 1.0 - time.monotonic()))
                await asyncio.to_thread(self.lease.release)
        if self._registered:
            await asyncio.to_thread(self._give_back)
            await asyncio.to_thread(workers.retire, self.db.uow(), self.worker)
            self._registered = False

    def _give_back(self) -> None:
        """Release the rows put aside as possibly taken; those another worker took are left alone."""
        ids, self._abandoned = self._abandoned, []
        outbox.release(self.db.uow(), ids, self.worker.id)

    async def drain(self, timeout: float = 60.0) -> None:
        """Run until the outbox has nothing due and nothing is in flight (for tests and tools)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            room = min(self.high_water - len(self._inflight), self.batch)
            batch = await self._claim(room) if room > 0 else []
            self._launch(batch)
            if not batch and not self._inflight:
                await self.flush()
                return
            if self._inflight and (not batch or len(self._inflight) >= self.high_water):
                await asyncio.wait(set(self._inflight), return_when=asyncio.FIRST_COMPLETED)
        raise TimeoutError("the outbox did not drain in time")

    def _claim_and_render(self, limit: int) -> list[tuple[Delivery, Rendered | None]]:
        """In a worker thread: claim due rows, prepare (the writes a kind needs, such as a one-time link)
        and render them (reads only), settling what cannot be sent."""
        out: list[tuple[Delivery, Rendered | None]] = []
        self._beat()
        if self._abandoned:
            self._give_back()
        generation = self._generation
        claimed = _interleave(outbox.claim_due(self.db.uow(), limit, worker_id=self.worker.id))
        try:
            self.renderer.prefetch(claimed)
        except Exception:  # each row is rendered on its own below
            log.exception("prefetching a batch failed")
        for d in claimed:
            if d.chat_id is None:
                outbox.mark_unreachable(self.db.uow(), d, "recipient has no reachable chat")
                self.stats["unreachable"] += 1
                continue
            try:
                out.append((d, self.renderer.render(self.renderer.prepare(d))))
            except UnknownKind:
                outbox.mark_dead(self.db.uow(), d.id, f"no renderer for kind {d.kind!r}")
                self.stats["dead"] += 1
            except Exception as exc:  # one bad row must never stop the others
                log.exception("rendering notification %s (%s) failed", d.id, d.kind)
                status = outbox.mark_retry(self.db.uow(), d.id, f"render: {type(exc).__name__}: {exc}",
                                           timedelta(seconds=self.config.backoff_base * 2 ** d.attempts),
                                           d.attempts)
                self.stats["retried" if status == outbox.NotificationStatus.PENDING else "dead"] += 1
        if any(outbox.is_broadcast(d.kind, d.data) for d, _ in out) and self._paid_broadcasts():
            out = [(d, replace(r, paid=True) if r is not None and outbox.is_broadcast(d.kind, d.data) else r)
                   for d, r in out]
        for d, _ in out:
            self._claimed_in[d.id] = generation
        return out

    def _paid_broadcasts(self) -> bool:
        """The rule `delivery.paid_broadcast`, read at most every 10 s (in the claiming thread)."""
        now = time.monotonic()
        if now - self._paid_read_at > 10:
            self._paid, self._paid_read_at = outbox.paid_broadcasts(self.db.uow()), now
        return self._paid

    async def _claim(self, room: int) -> list[tuple[Delivery, Rendered | None]]:
        """Claim and render in a worker thread. Cancelled meanwhile, the thread still finishes: its rows
        are handed back rather than left claimed until their lease lapses."""
        claiming = asyncio.ensure_future(asyncio.to_thread(self._claim_and_render, room))
        try:
            return await asyncio.shield(claiming)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                stranded = await claiming
                await asyncio.to_thread(outbox.release, self.db.uow(), [d.id for d, _ in stranded],
                                        self.worker.id)
            raise

    def _launch(self, batch: list[tuple[Delivery, Rendered | None]]) -> None:
        # Calls reach the pacing rate limiter in this order: one row per chat per round.
        for d, rendered in batch:
            left = [False]
            task = asyncio.create_task(self._deliver(d, rendered, left))
            self._inflight.add(task)
            self._left[task] = left
            task.add_done_callback(self._inflight.discard)
            task.add_done_callback(lambda t: self._left.pop(t, None))
            task.add_done_callback(lambda _t: self._wake.set())  # room again: claim more

    # -- one row ---------------------------------------------------------------------------
    async def _deliver(self, d: Delivery, rendered: Rendered | None, left: list[bool] | None = None) -> None:
        assert rendered is not None
        LEFT.set(left)  # the rate limiter marks when the request leaves: stop() cancels only those before
        try:
            if self._stop.is_set():
                await asyncio.to_thread(outbox.release, self.db.uow(), [d.id], self.worker.id)
                return
            if not self._may_send(d):
                self.stats["given back"] += 1
                self._abandoned.append(d.id)
                return
            await self._send(d, rendered)
        except asyncio.CancelledError:
            if not self._stop.is_set() or (left is not None and left[0]):
                raise
            self.stats["put back at stop"] += 1  # cancelled by stop() while waiting for its slot
            await asyncio.to_thread(outbox.release, self.db.uow(), [d.id], self.worker.id)
        finally:
            self._claimed_in.pop(d.id, None)

    async def _send(self, d: Delivery, r: Rendered) -> None:
        assert d.chat_id is not None
        if r.edit_only and r.edit is None:  # nothing to mend: settled without a message
            self.stats["sent"] += 1
            self._record_sent(d, None)
            return
        try:
            message = await self._call(d.chat_id, r)
        except RetryAfter as exc:
            seconds = retry_after_seconds(exc)
            self.stats["429"] += 1
            log.warning("Telegram asked to wait %.0fs (notification %s)", seconds, d.id)
            await asyncio.to_thread(outbox.mark_retry, self.db.uow(), d.id, str(exc),
                                    timedelta(seconds=seconds), d.attempts)
        except Forbidden as exc:
            self.stats["unreachable"] += 1
            await asyncio.to_thread(outbox.mark_unreachable, self.db.uow(), d, str(exc))
        except BadRequest as exc:
            await self._bad_request(d, r, exc)
        except (TimedOut, NetworkError) as exc:
            delay = min(self.config.backoff_base * 2 ** max(d.attempts - 1, 0), self.config.backoff_max)
            status = await asyncio.to_thread(outbox.mark_retry, self.db.uow(), d.id, str(exc),
                                             timedelta(seconds=delay), d.attempts)
            self.stats["retried" if status == outbox.NotificationStatus.PENDING else "dead"] += 1
        except TelegramError as exc:
            self.stats["dead"] += 1
            await asyncio.to_thread(outbox.mark_dead, self.db.uow(), d.id, str(exc))
        else:
            self.stats["sent"] += 1
            message_id = message.message_id if isinstance(message, Message) else (r.edit[1] if r.edit else None)
            self._record_sent(d, message_id)
            if r.supersedes is not None and message_id != r.supersedes[0][1]:
                await self._supersede(*r.supersedes)

    async def _supersede(self, where: tuple[int, int], text: str) -> None:
        """Edit an older message (a card a newer one replaces) to say so, with no buttons; best effort."""
        try:
            await self.bot.edit_message_text(text, chat_id=where[0], message_id=where[1],
                                             parse_mode=ParseMode.HTML, reply_markup=None)
        except TelegramError as exc:  # gone, too old to edit, or unchanged: the newer message stands
            log.info("could not mend an older message: %s", exc)

    # -- recording sends in batches: one transaction per flush, not per message ----------------
    def _record_sent(self, d: Delivery, message_id: int | None) -> None:
        self._sent.append((d.id, d.chat_id, message_id, d.kind in outbox.SENSITIVE_KINDS))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        await asyncio.sleep(0.05)
        await self.flush()

    async def flush(self) -> None:
        """Write what was sent. A crash before this repeats those messages at most (at-least-once).

        One writer at a time: a flush returns only once every batch taken so far is committed, also
        one that a background flush had taken (drain() and stop() rely on it)."""
        async with self._flush_lock:
            while self._sent:
                batch, self._sent = self._sent, []
                await asyncio.to_thread(outbox.mark_sent_many, self.db.uow(), batch)

    async def _call(self, chat_id: int, r: Rendered) -> Message | bool:
        try:
            if r.edit is not None:
                return await self.bot.edit_message_text(r.text, chat_id=r.edit[0], message_id=r.edit[1],
                                                        parse_mode=ParseMode.HTML, reply_markup=r.markup)
            return await self.bot.send_message(chat_id, r.text, parse_mode=ParseMode.HTML, reply_markup=r.markup,
                                               allow_paid_broadcast=True if r.paid else None)
        finally:
            self._last_send = time.monotonic()

    async def _bad_request(self, d: Delivery, r: Rendered, exc: BadRequest) -> None:
        text = str(exc).lower()
        if "not modified" in text:
            self.stats["sent"] += 1
            await asyncio.to_thread(outbox.mark_sent, self.db.uow(), d.id, d.chat_id,
                                    r.edit[1] if r.edit else None)
        elif r.edit_only and ("message to edit not found" in text or "message can't be edited" in text):
            self.stats["sent"] += 1  # the message is gone or too old: nothing to mend
            await asyncio.to_thread(outbox.mark_sent, self.db.uow(), d.id, d.chat_id, None)
        elif "message to edit not found" in text or "message can't be edited" in text:
            await self._send(d, Rendered(r.text, r.markup, None, paid=r.paid))  # send it afresh instead
        elif "chat not found" in text or "user is deactivated" in text:
            self.stats["unreachable"] += 1
            await asyncio.to_thread(outbox.mark_unreachable, self.db.uow(), d, str(exc))
        else:
            self.stats["dead"] += 1
            log.error("Telegram refused notification %s (%s): %s", d.id, d.kind, exc)
            await asyncio.to_thread(outbox.mark_dead, self.db.uow(), d.id, str(exc))
