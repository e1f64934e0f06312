"""Pacing under Telegram's limits: overall per second, per private chat, per group per minute.

Two rules, both needed. `Pacer.reserve` spaces the *planned* send times evenly (a little under each
limit). `SendWindow` bounds what the *server* can measure: a request reaches the server at some moment
between its start and its answer, and a process starved of CPU (or a network with jitter) can compress
evenly planned starts into a burst on arrival. So the (n + limit)-th send of a window may only start
`window` seconds after the n-th one was answered; a send still in flight counts as "now". However late
each step runs, no server-side window of `window` seconds can then hold more than `limit` arrivals.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable


class SendWindow:
    """At most `limit` sends in any `window` seconds, as the server measures arrivals."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = max(1, limit)
        self.window = window
        self.in_flight = 0
        self.answered: deque[float] = deque()  # answer times (nondecreasing), the latest arrival bound

    def ready_at(self, now: float) -> float:
        """When one more send may start; `math.inf` while `limit` sends are still unanswered."""
        while self.answered and self.answered[0] <= now - self.window:
            self.answered.popleft()
        busy = self.in_flight + len(self.answered)
        if busy < self.limit:
            return now
        if self.in_flight >= self.limit:
            return math.inf
        return max(now, self.answered[busy - self.limit] + self.window)

    def start(self) -> None:
        self.in_flight += 1

    def finish(self, now: float) -> None:
        """The send was answered (or failed) at `now`: it counts until `now + window`."""
        self.in_flight = max(0, self.in_flight - 1)
        self.answered.append(now)

    def empty(self, now: float) -> bool:
        """Nothing in flight and nothing answered within the window: the window can be forgotten."""
        self.ready_at(now)
        return not self.in_flight and not self.answered


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
        self.sends = SendWindow(math.floor(per_second), 1.0)
        self.group_limit = math.floor(group_per_minute)
        self.chat_interval = chat_interval
        self._chat_sends: dict[int, SendWindow] = {}

    def reserve(self, chat_id: int) -> float:
        """The monotonic time at which a message to `chat_id` may go."""
        now = self.clock()
        slot = max(now, self._global_next, self._chat_next.get(chat_id, 0.0), self.paused_until)
        self._global_next = slot + self.global_gap
        self._chat_next[chat_id] = slot + (self.group_gap if chat_id < 0 else self.chat_gap)
        if len(self._chat_next) > 50_000:  # forget chats whose slot has passed
            self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
        return slot

    def rewind(self) -> None:
        """Forget the slots handed out beyond now (their sends were given up); a pause still holds."""
        now = self.clock()
        self._global_next = min(self._global_next, max(now, self.paused_until))
        self._chat_next = {c: min(t, max(now, self.paused_until)) for c, t in self._chat_next.items()}
        self.epoch += 1

    def pause(self, seconds: float, chat_id: int | None = None) -> None:
        until = self.clock() + seconds
        self.paused_until = max(self.paused_until, until)
        self._global_next = max(self._global_next, until)
        self.epoch += 1
        if chat_id is not None:
            self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), until)

    # --- what the server can measure: starts and answers of actual sends ---------------------

    def _chat_window(self, chat_id: int) -> SendWindow:
        window = self._chat_sends.get(chat_id)
        if window is None:
            window = self._chat_sends[chat_id] = (
                SendWindow(self.group_limit, 60.0) if chat_id < 0 else SendWindow(1, self.chat_interval))
        return window

    def chat_ready_at(self, chat_id: int, now: float) -> float:
        """When a send to this chat may start without a server-side window holding one too many."""
        window = self._chat_sends.get(chat_id)
        return now if window is None else window.ready_at(now)

    def global_ready_at(self, now: float) -> float:
        return self.sends.ready_at(now)

    def started(self, chat_id: int) -> None:
        """A send to `chat_id` is leaving now."""
        self.sends.start()
        self._chat_window(chat_id).start()

    def answered(self, chat_id: int, now: float) -> None:
        """That send came back (answer, error or dropped connection) at `now`."""
        self.sends.finish(now)
        self._chat_window(chat_id).finish(now)
        if len(self._chat_sends) > 50_000:  # forget chats with nothing in their window
            self._chat_sends = {c: w for c, w in self._chat_sends.items() if not w.empty(now)}
