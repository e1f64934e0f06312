"""A python-telegram-bot rate limiter that paces every message under Telegram's limits.

AIORateLimiter paces the overall and group limits but not private chats and retries
nothing unless told; this one paces all three with `Pacer` and waits out a 429 for
exactly `retry_after` before trying once more.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import math
import time
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.pacing import Pacer

log = logging.getLogger(__name__)

PACED = frozenset({
    "sendMessage", "sendDocument", "sendPhoto", "sendMediaGroup", "sendVideo", "sendAudio",
    "sendVoice", "sendAnimation", "sendSticker", "sendLocation", "sendContact", "sendPoll",
    "copyMessage", "forwardMessage", "editMessageText", "editMessageCaption",
    "editMessageReplyMarkup", "editMessageMedia",
})


def retry_after_seconds(exc: RetryAfter) -> float:
    value = exc._retry_after if hasattr(exc, "_retry_after") else exc.retry_after  # avoid the deprecation
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# A sender that may give up while its request still waits for a slot (the delivery loop at a stop) sets a
# flag here; the limiter sets it to True once the request leaves for the server (it must then finish).
LEFT: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar("paced_request_left", default=None)

PAID_PER_SECOND = 1000.0  # Telegram's paid broadcasts (allow_paid_broadcast): up to 1000 messages/s


class PacingRateLimiter(BaseRateLimiter[int]):
    def __init__(self, pacer: Pacer, max_retries: int = 1) -> None:
        self.pacer = pacer
        self._paid: PacingRateLimiter | None = None  # paid broadcasts: a budget of their own
        self.max_retries = max_retries
        self.retry_afters = 0
        self._gate = asyncio.Lock()
        self._last_sent = 0.0
        self._chat_last_sent: dict[int, float] = {}
        self._answer = asyncio.Event()  # set whenever a paced send comes back
        self._rewound = asyncio.Event()  # set (and replaced) by rewind()

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if data.get("allow_paid_broadcast") is True and self._paid is not self:
            if self._paid is None:
                self._paid = PacingRateLimiter(Pacer(per_second=PAID_PER_SECOND, chat_interval=self.pacer.chat_interval))
                self._paid._paid = self._paid  # the paid budget paces its own sends
                # ... but a chat is one chat whoever pays: both budgets see its last send (1 message/s per chat)
                self._paid._chat_last_sent = self._chat_last_sent
            return await self._paid.process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        chat_id = data.get("chat_id")
        chat = chat_id if isinstance(chat_id, int) else None
        paced = endpoint in PACED and chat is not None
        for attempt in range(self.max_retries + 1):
            if paced or attempt:
                await self._wait(chat if paced else None)
            if (left := LEFT.get()) is not None:
                left[0] = True
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = retry_after_seconds(exc)
                self.retry_afters += 1
                self.pacer.pause(seconds, chat)
                log.warning("Telegram flood control on %s: waiting %.0fs", endpoint, seconds)
                if attempt == self.max_retries:
                    raise
            finally:
                if paced:
                    self._answered(chat)  # type: ignore[arg-type]
        raise AssertionError("unreachable")  # pragma: no cover

    async def _wait(self, chat: int | None) -> None:
        """Sleep until this chat's slot; a pause meanwhile means queueing again behind it."""
        while True:
            epoch = self.pacer.epoch
            slot = self.pacer.reserve(chat) if chat is not None else self.pacer.paused_until
            while (delay := slot - time.monotonic()) > 0 and epoch == self.pacer.epoch:
                with contextlib.suppress(TimeoutError):  # rewind() wakes it to queue again
                    await asyncio.wait_for(self._rewound.wait(), delay)
            if epoch == self.pacer.epoch:
                break
        if chat is not None:
            await self._gate_pass(chat)

    def rewind(self) -> None:
        """Sends that held a slot were given up (the delivery loop's rows at a stop): who still waits queues
        again from now rather than behind them. Safe: `_gate_pass` spaces the actual sends whatever the slots."""
        self.pacer.rewind()
        self._rewound.set()
        self._rewound = asyncio.Event()

    async def _gate_pass(self, chat: int) -> None:
        """Space the actual sends too: a stalled event loop must not release a burst.

        Under the gate, in order: the gap since the last start, and the windows of `Pacer.started`/
        `answered` (no more sends than the limit between an answer and one window later). A chat that
        is not ready yet waits outside the gate, so it holds up no other chat."""
        pacer = self.pacer
        gap = pacer.group_gap if chat < 0 else pacer.chat_gap
        while True:
            while (delay := self._chat_last_sent.get(chat, 0.0) + gap - time.monotonic()) > 0:
                await asyncio.sleep(delay)
            await self._until(lambda: pacer.chat_ready_at(chat, time.monotonic()))
            async with self._gate:
                now = time.monotonic()
                if self._chat_last_sent.get(chat, 0.0) + gap > now or pacer.chat_ready_at(chat, now) > now:
                    continue  # another send to this chat went first: queue again
                while (delay := self._last_sent + pacer.global_gap - time.monotonic()) > 0:
                    await asyncio.sleep(delay)
                await self._until(lambda: pacer.global_ready_at(time.monotonic()))
                pacer.started(chat)
                now = time.monotonic()
                # On the planned timeline: a sleep's overshoot is not carried into every later gap (the
                # windows above keep a late-running loop from catching up in a burst); after idling, now.
                planned = self._last_sent + pacer.global_gap
                self._last_sent = planned if now - planned < pacer.global_gap else now
                self._chat_last_sent[chat] = now
                break
        if len(self._chat_last_sent) > 50_000:
            horizon = time.monotonic() - 60
            self._chat_last_sent = {c: t for c, t in self._chat_last_sent.items() if t > horizon}

    async def _until(self, ready_at: Callable[[], float]) -> None:
        """Sleep until `ready_at()` has passed; while it is unknown (all sends in flight), until an answer."""
        while (at := ready_at()) > (now := time.monotonic()):
            if at == math.inf:
                self._answer.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._answer.wait(), 1.0)
            else:
                await asyncio.sleep(at - now)

    def _answered(self, chat: int) -> None:
        self.pacer.answered(chat, time.monotonic())
        self._answer.set()
