"""Paid broadcasts (rule `delivery.paid_broadcast`): announcements go with allow_paid_broadcast and are paced
under Telegram's 1,000 messages/s for them, not the free 30/s; everything else stays free. The sandbox keeps
a budget of its own for paid sends and counts them."""

from __future__ import annotations

import time

import pytest

from bot.delivery import DeliveryConfig
from domain.actors import Actor
from domain.alerts import services as alerts
from domain.clock import SystemClock
from domain.models import Role, RuleConfig
from tests.auxil import databases
from tests.auxil.telegram import running_sandbox, start_bot
from tests.factories import sandbox_person
from tgsandbox import SandboxClient

pytestmark = pytest.mark.asyncio(loop_scope="module")
PEOPLE, FREE = 30, 5  # the sandbox's free limit: 30 announcements would take 6 s at it


@pytest.fixture(scope="module")
def slow_sandbox():
    yield from running_sandbox(global_per_second=FREE)


@pytest.fixture(scope="module")
def db(tmp_path_factory, sqlite_template):
    yield from databases.module_database(tmp_path_factory.mktemp("paid"), sqlite_template, SystemClock())


def paid_broadcasts(db, on: bool) -> None:
    """The rule as the Settings page saves it (that page checks every rule at once; quiet hours are off here)."""
    with db.uow() as uow:
        uow.session.query(RuleConfig).filter(RuleConfig.key == "delivery.paid_broadcast").delete()
        uow.session.add(RuleConfig(scope="global", key="delivery.paid_broadcast", value={"value": on},
                                   updated_at=uow.now))
        uow.commit()


async def test_announcements_go_as_paid_broadcasts_only_when_the_rule_is_on(db, slow_sandbox):
    async with SandboxClient(slow_sandbox.url) as client:
        admin = await sandbox_person(db, client, first_name="Ada", name="Ada Admin", phone="+447700970000",
                                     role=Role.ADMIN)
        for n in range(PEOPLE):
            await sandbox_person(db, client, first_name=f"S{n}", name=f"Student {n}", phone=f"+4477009710{n:02d}",
                                 role=Role.STUDENT)
        paid_broadcasts(db, True)
        bot = await start_bot(db, slow_sandbox.url, polling=False, delivery=DeliveryConfig(per_second=FREE))
        try:
            await client.reset_stats()
            told = alerts.broadcast(db.uow(), Actor.telegram(admin.id), "Fire drill", "At 11:00 today.",
                                    roles=["student"])
            assert told == PEOPLE
            started = time.perf_counter()
            await bot.delivery.drain(30)
            elapsed = time.perf_counter() - started
            stats = await client.stats()
            print(f"\n[paid broadcast] {PEOPLE} announcements in {elapsed:.2f} s (free limit {FREE}/s)")
            assert stats["paid_broadcasts"] == PEOPLE
            assert stats["too_many_requests"] == 0
            assert elapsed < PEOPLE / FREE * 0.6  # not held to the free limit

            paid_broadcasts(db, False)
            bot.delivery._paid_read_at = -1e9  # the rule is read at most every 10 s: read it now
            await client.reset_stats()
            alerts.broadcast(db.uow(), Actor.telegram(admin.id), "Drill over", "Thanks.", roles=["admin"])
            await bot.delivery.drain(30)
            stats = await client.stats()
            assert stats["paid_broadcasts"] == 0 and stats["by_method"]["sendMessage"] == {"200": 1}
        finally:
            await bot.stop()


async def test_the_pacer_gives_paid_sends_a_budget_of_their_own():
    from bot.pacing import Pacer
    from bot.ratelimit import PacingRateLimiter

    limiter = PacingRateLimiter(Pacer(per_second=2))
    calls: list[str] = []

    async def send(name: str) -> bool:
        calls.append(name)
        return True

    started = time.perf_counter()
    for n in range(20):
        await limiter.process_request(send, (f"paid{n}",), {}, "sendMessage",
                                      {"chat_id": 1000 + n, "allow_paid_broadcast": True}, None)
    assert time.perf_counter() - started < 1.0  # 20 at 2/s would take 10 s
    assert limiter.pacer.sends.in_flight == 0 and not limiter.pacer.sends.answered  # the free budget untouched


async def test_a_paid_and_a_free_message_to_one_chat_keep_its_one_per_second():
    from bot.pacing import Pacer
    from bot.ratelimit import PacingRateLimiter

    limiter = PacingRateLimiter(Pacer(per_second=30))
    sent: list[tuple[str, float]] = []

    async def send(name: str) -> bool:
        sent.append((name, time.perf_counter()))
        return True

    await limiter.process_request(send, ("paid",), {}, "sendMessage", {"chat_id": 7, "allow_paid_broadcast": True},
                                  None)
    await limiter.process_request(send, ("free",), {}, "sendMessage", {"chat_id": 7}, None)
    await limiter.process_request(send, ("paid again",), {}, "sendMessage",
                                  {"chat_id": 7, "allow_paid_broadcast": True}, None)
    (_, t1), (_, t2), (_, t3) = sent
    assert t2 - t1 >= 0.95 and t3 - t2 >= 0.95  # the chat's limit holds across the two budgets
