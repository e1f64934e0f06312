"""The pacer alone, on a clock the test moves: Telegram's limits as send times, a 429 as a pause."""

from __future__ import annotations

import math

import pytest

from bot.pacing import Pacer, SendWindow


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


def test_a_rewind_forgets_the_slots_given_up_but_not_a_pause(clock):
    pacer = Pacer(per_second=30, chat_interval=1.0, safety=1.0, clock=clock)
    assert [pacer.reserve(7) for _ in range(5)][-1] == 104.0  # five rows queued in one chat
    epoch = pacer.epoch
    pacer.rewind()  # they were given back at a stop: a reply queues from now, not behind them
    assert pacer.epoch == epoch + 1  # who still waits on an old slot takes one again
    assert pacer.reserve(7) == 100.0 and pacer.reserve(8) == pytest.approx(100.0 + 1 / 30)
    pacer.pause(10)
    pacer.rewind()
    assert pacer.reserve(9) == 110.0  # a 429's pause holds


def test_a_window_lets_the_limit_start_then_waits_a_window_after_the_oldest_answer():
    window = SendWindow(limit=3, window=1.0)
    for _ in range(3):
        assert window.ready_at(10.0) == 10.0
        window.start()
    assert window.ready_at(10.0) == math.inf  # all three unanswered: their arrival is unknown
    window.finish(10.4)
    window.finish(10.9)
    assert window.ready_at(11.0) == 11.4  # the first answer's window must be over
    window.finish(11.0)
    assert window.ready_at(11.4) == 11.4
    assert window.empty(11.5) is False  # answers within the last second still count
    assert window.ready_at(12.5) == 12.5 and window.empty(12.5)


def test_a_starved_process_cannot_burst_more_than_the_server_can_count():
    """Starts planned 1/30 s apart but run late all at once: the server may have seen the earlier sends
    arrive as late as their answers, so no more than 30 starts fall within a second of those answers."""
    pacer = Pacer(per_second=30, safety=1.0, clock=lambda: 0.0)
    arrivals = []
    for n in range(30):  # the first second: 30 sends, each answered 50 ms after it left
        pacer.started(n + 1)
        pacer.answered(n + 1, n / 30 + 0.05)
        arrivals.append(n / 30 + 0.05)  # the latest the server can have counted each
    stall_over = 0.5  # the loop wakes at 0.5 s with 30 more sends overdue
    ready = pacer.global_ready_at(stall_over)
    assert ready == pytest.approx(arrivals[0] + 1.0)
    assert pacer.chat_ready_at(1, 0.9) == pytest.approx(1.05)  # and one chat: a second after its answer
    assert pacer.chat_ready_at(1000, 0.9) == 0.9  # a chat never written to is free


def test_a_group_window_holds_twenty_a_minute():
    pacer = Pacer(group_per_minute=20)
    for n in range(20):
        pacer.started(-5)
        pacer.answered(-5, float(n))
    assert pacer.chat_ready_at(-5, 20.0) == 60.0
