"""The pacer alone, on a clock the test moves: Telegram's limits as send times, a 429 as a pause."""

from __future__ import annotations

import pytest

from bot.pacing import Pacer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_messages_to_many_chats_are_spread_over_the_global_rate(clock):
    pacer = Pacer(per_second=30, safety=1.0, clock=clock)
    slots = [pacer.reserve(chat_id) for chat_id in range(1, 61)]
    assert slots[0] == 100.0
    assert slots == sorted(slots)
    assert slots[-1] - slots[0] == pytest.approx(59 / 30)  # 60 messages: just under two seconds


def test_one_private_chat_gets_one_message_a_second(clock):
    pacer = Pacer(per_second=30, chat_interval=1.0, safety=1.0, clock=clock)
    assert [pacer.reserve(7) for _ in range(3)] == [100.0, 101.0, 102.0]


def test_a_group_gets_twenty_a_minute(clock):
    pacer = Pacer(group_per_minute=20, safety=1.0, clock=clock)
    first, second = pacer.reserve(-42), pacer.reserve(-42)
    assert second - first == pytest.approx(3.0)


def test_the_safety_margin_keeps_every_gap_a_little_wider(clock):
    pacer = Pacer(per_second=30, chat_interval=1.0, safety=0.98, clock=clock)
    first, second = pacer.reserve(7), pacer.reserve(7)
    assert second - first > 1.0


def test_a_429_pauses_everyone_and_bumps_the_epoch(clock):
    pacer = Pacer(per_second=30, safety=1.0, clock=clock)
    pacer.reserve(1)
    pacer.pause(5.0, chat_id=2)
    assert pacer.epoch == 1 and pacer.paused_until == 105.0
    assert pacer.reserve(3) >= 105.0  # another chat waits too
    assert pacer.reserve(2) >= 105.0
    clock.now = 200.0
    assert pacer.reserve(4) == 200.0  # the pause is over
