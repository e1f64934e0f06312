"""Rate limits (sliding windows), fault injection settings, forced answers and answer counters."""

from __future__ import annotations

import math
import random
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from .errors import ApiError

#: Methods that count against the sending limits.
SENDING_METHODS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendMediaGroup",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
        "copyMessage",
        "forwardMessage",
    }
)


@dataclass
class SandboxConfig:
    """Everything that can be changed at run time through `POST /sandbox/config`."""

    global_per_second: int = 30
    per_chat_per_second: int = 1
    group_per_minute: int = 20
    # Paid broadcasts (allow_paid_broadcast=true): up to this many per second instead of the global limit,
    # each counted in the stats' `paid_broadcasts` (Telegram charges Stars for them).
    paid_per_second: int = 1000
    # Events older than (window - tolerance) no longer count; absorbs network jitter of a client
    # that paces correctly on average. 0 = exact sliding windows.
    limit_tolerance_ms: int = 0
    error_rate: float = 0.0  # share of Bot API calls answered 502 Bad Gateway
    error_code: int = 502
    latency_ms: int = 0  # added to every Bot API answer
    drop_rate: float = 0.0  # share of Bot API calls whose connection is dropped
    drop_mode: str = "close"  # "close": transport closed mid-answer; "hang": never answered
    hang_seconds: float = 30.0  # how long a "hang" drop holds the request at most
    webhook_retry_seconds: float = 0.2  # first backoff of webhook redelivery (doubles, max 2 s)
    seed: int | None = None  # makes random faults reproducible

    def update(self, values: dict[str, Any]) -> None:
        known = {f.name: f for f in fields(self)}
        for key, value in values.items():
            if key not in known:
                raise ValueError(f"unknown setting {key!r}")
            current = getattr(self, key)
            if value is None or current is None or isinstance(current, str):
                setattr(self, key, value)
            else:
                setattr(self, key, type(current)(value))
        if self.drop_mode not in ("close", "hang"):
            raise ValueError("drop_mode must be 'close' or 'hang'")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class SlidingWindow:
    """Timestamps of granted events in one window, on a monotonic clock."""

    def __init__(self) -> None:
        self.events: deque[float] = deque()

    def retry_after(self, now: float, limit: int, window: float) -> int:
        """0 if one more event fits, else whole seconds until it would."""
        while self.events and self.events[0] <= now - window:
            self.events.popleft()
        if limit <= 0 or len(self.events) < limit:
            return 0
        oldest = self.events[len(self.events) - limit]
        return max(1, math.ceil(oldest + window - now))


def _shrink(window: float, slack: float) -> float:
    return max(window / 2, window - slack)


class RateLimiter:
    """Telegram's flood limits: global per second, per private chat per second, per group per minute."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self.clock = clock
        self.global_window = SlidingWindow()
        self.paid_window = SlidingWindow()  # paid broadcasts: a budget of their own
        self.paid_sent = 0
        self.chat_windows: dict[int, SlidingWindow] = {}

    def check(self, config: SandboxConfig, chat_id: int | None, is_group: bool, paid: bool = False) -> None:
        """Record one send, or raise a 429 ApiError without recording it. A paid broadcast counts against
        `paid_per_second` instead of the global limit (the per-chat limits stand)."""
        now = self.clock()
        slack = max(0.0, config.limit_tolerance_ms / 1000)
        overall, limit = (self.paid_window, config.paid_per_second) if paid else (
            self.global_window, config.global_per_second)
        waits = [overall.retry_after(now, limit, _shrink(1.0, slack))]
        chat_window = None
        if chat_id is not None:
            chat_window = self.chat_windows.setdefault(chat_id, SlidingWindow())
            if is_group:
                waits.append(
                    chat_window.retry_after(now, config.group_per_minute, _shrink(60.0, slack))
                )
            else:
                waits.append(
                    chat_window.retry_after(now, config.per_chat_per_second, _shrink(1.0, slack))
                )
        wait = max(waits)
        if wait:
            raise ApiError(429, retry_after=wait)
        overall.events.append(now)
        self.paid_sent += paid
        if chat_window is not None:
            chat_window.events.append(now)

    def reset(self) -> None:
        self.global_window = SlidingWindow()
        self.paid_window = SlidingWindow()
        self.paid_sent = 0
        self.chat_windows.clear()


@dataclass
class ForcedAnswer:
    """One queued answer: `count` next calls of `method` ("*" = any) answer this."""

    method: str
    error_code: int
    description: str | None = None
    retry_after: int | None = None
    count: int = 1
    drop: bool = False
    delay_ms: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Faults:
    """Forced answers queue plus the random source for random faults."""

    forced: list[ForcedAnswer] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random)

    def take_forced(self, method: str) -> ForcedAnswer | None:
        for answer in self.forced:
            if answer.method == "*" or answer.method.lower() == method.lower():
                answer.count -= 1
                if answer.count <= 0:
                    self.forced.remove(answer)
                return answer
        return None

    def roll(self, rate: float) -> bool:
        return rate > 0 and self.rng.random() < rate


class Stats:
    """Counters of every Bot API answer by method and status."""

    def __init__(self) -> None:
        self.by_method: dict[str, Counter[str]] = {}

    def count(self, method: str, status: int | str) -> None:
        self.by_method.setdefault(method, Counter())[str(status)] += 1

    def snapshot(self) -> dict[str, Any]:
        by_status: Counter[str] = Counter()
        for counter in self.by_method.values():
            by_status.update(counter)
        return {
            "by_method": {m: dict(c) for m, c in sorted(self.by_method.items())},
            "by_status": dict(by_status),
            "total": sum(by_status.values()),
            "too_many_requests": by_status.get("429", 0),
        }

    def reset(self) -> None:
        self.by_method.clear()
