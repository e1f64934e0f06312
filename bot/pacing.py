"""Pacing under Telegram's limits: overall per second, per private chat, per group per minute."""

from __future__ import annotations

import time
from collections.abc import Callable


class Pacer:
    """Hands out send times so that no limit is crossed; pauses on a 429 for exactly retry_after."""

    def __init__(
        self,
        per_second: float = 30.0,
        chat_interval: float = 1.0,
        group_per_minute: float = 20.0,
        safety: float = 0.98,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.global_gap = 1.0 / (per_second * safety)
        self.chat_gap = chat_interval / safety
        self.group_gap = 60.0 / (group_per_minute * safety)
        self.clock = clock
        self._global_next = 0.0
        self._chat_next: dict[int, float] = {}
        self.paused_until = 0.0
        self.epoch = 0  # bumped by every pause: slots reserved before it must be taken again

    def reserve(self, chat_id: int) -> float:
        """The monotonic time at which a message to `chat_id` may go."""
        now = self.clock()
        slot = max(now, self._global_next, self._chat_next.get(chat_id, 0.0), self.paused_until)
        self._global_next = slot + self.global_gap
        self._chat_next[chat_id] = slot + (self.group_gap if chat_id < 0 else self.chat_gap)
        if len(self._chat_next) > 50_000:  # forget chats whose slot has passed
            self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
        return slot

    def pause(self, seconds: float, chat_id: int | None = None) -> None:
        until = self.clock() + seconds
        self.paused_until = max(self.paused_until, until)
        self._global_next = max(self._global_next, until)
        self.epoch += 1
        if chat_id is not None:
            self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), until)
