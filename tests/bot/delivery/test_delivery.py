"""The outbox delivery loop against the sandbox with Telegram's limits enforced."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.app import build_application, build_delivery
from bot.delivery import DeliveryConfig
from domain.actors import Actor
from domain.models import Notification, Person, Role
from domain.tasks import services as tasks
from tests.auxil.telegram import TOKEN, bot_deps, settings_for
from tests.factories import sandbox_person

pytestmark = pytest.mark.asyncio(loop_scope="module")
FAST = DeliveryConfig(backoff_base=0.05, idle_poll=0.05)




@pytest.fixture
async def bot_for(sandbox, client, db):
    """Build a started Application (no polling) bound to this test's database."""
    await client.reset()
    apps = []

    async def make():
        settings = settings_for(str(db.engine.url), sandbox.url)
        deps = bot_deps(settings, db)
        app = build_application(deps, TOKEN, sandbox.url, updater=False)
        await app.initialize()
        apps.append(app)
        return app, deps

    yield make
    for app in apps:
        await app.shutdown()


async def people_in_sandbox(db, client, n: int) -> tuple[Person, list[Person]]:
    """An admin and n students, each a sandbox user linked to an allowlisted person."""
    made = []
    for i in range(n + 1):
        made.append(await sandbox_person(db, client, first_name=f"P{i}", name=f"Person {i}",
                                         phone=f"+44770091{i:04d}", role=Role.ADMIN if i == 0 else Role.STUDENT))
    return made[0], made[1:]


def assign_to(db, admin, students, title="Read chapter 3"):
    return tasks.assign(db.uow(), Actor.telegram(admin.id), tasks.AssignmentSpec(
        title=title, person_ids=[s.id for s in students], due_at=db.clock.now() + timedelta(days=2)))


def statuses(db) -> dict[str, int]:
    with db.uow(readonly=True) as uow:
        return {s.value: n for s, n in uow.session.execute(
            select(Notification.status, func.count()).group_by(Notification.status))}


async def test_200_notifications_to_200_chats_without_a_single_429(db, client, bot_for):
    admin, students = await people_in_sandbox(db, client, 200)
    app, deps = await bot_for()
    assign_to(db, admin, students)
    await client.reset_stats()
    loop = build_delivery(app, deps, FAST)
    await loop.drain(timeout=60)
    assert statuses(db) == {"sent": 200}
    assert (await client.stats())["too_many_requests"] == 0
    first = (await client.bot_messages(students[0].telegram_chat_id))[0]
    assert "Read chapter 3" in first["text"]
    buttons = [b["text"] for row in first["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["Start", "Complete", "Decline", "Open dashboard"]
    with db.uow(readonly=True) as uow:
        ids = set(uow.session.scalars(select(Notification.telegram_message_id)))
    assert None not in ids


async def test_a_send_that_reaches_the_server_late_lets_none_crowd_into_its_window(db, client, bot_for):
    """Network jitter or a process starved of CPU: evenly paced starts arrive unevenly. The first
    request arrives 0.8 s late; the ones started after it must not fill its second (global)."""
    admin, students = await people_in_sandbox(db, client, 45)
    app, deps = await bot_for()
    assign_to(db, admin, students)
    await client.reset_stats()
    await client.force_next("sendMessage", 0, delay_ms=800)
    await build_delivery(app, deps, FAST).drain(timeout=60)
    assert statuses(db) == {"sent": 45}
    assert (await client.stats())["too_many_requests"] == 0


async def test_a_late_send_to_one_chat_delays_the_next_to_that_chat(db, client, bot_for):
    """The same for one private chat (one message a second): the next one waits for the late one."""
    admin, students = await people_in_sandbox(db, client, 1)
    app, deps = await bot_for()
    for n in range(2):
        assign_to(db, admin, students, title=f"Task {n}")
    await client.reset_stats()
    await client.force_next("sendMessage", 0, delay_ms=700)
    await build_delivery(app, deps, FAST).drain(timeout=30)
    assert statuses(db) == {"sent": 2}
    assert (await client.stats())["too_many_requests"] == 0


async def test_a_forced_429_is_waited_out_and_sent_once(db, client, bot_for):
    admin, students = await people_in_sandbox(db, client, 1)
    app, deps = await bot_for()
    assign_to(db, admin, students)
    await client.reset_stats()
    await client.force_next("sendMessage", 429, retry_after=2, count=1)
    loop = build_delivery(app, deps, FAST)
    await loop.drain(timeout=30)
    assert statuses(db) == {"sent": 1}
    assert len(await client.bot_messages(students[0].telegram_chat_id)) == 1
    assert (await client.stats())["too_many_requests"] == 1
    assert app.bot.rate_limiter.retry_afters == 1


async def test_5xx_faults_are_retried_until_delivered(db, client, bot_for):
    admin, students = await people_in_sandbox(db, client, 3)
    app, deps = await bot_for()
    assign_to(db, admin, students)
    await client.force_next("sendMessage", 502, count=4)
    loop = build_delivery(app, deps, FAST)
    for _ in range(10):  # retries wait their backoff on the (fixed) test clock
        await loop.drain(timeout=30)
        if statuses(db) == {"sent": 3}:
            break
        db.clock.advance(seconds=5)
    assert statuses(db) == {"sent": 3}
    assert loop.stats["retried"] == 4
    for s in students:
        assert len(await client.bot_messages(s.telegram_chat_id)) == 1


async def test_persistent_failure_is_dead_lettered(db, client, bot_for):
    admin, students = await people_in_sandbox(db, client, 1)
    app, deps = await bot_for()
    assign_to(db, admin, students)
    await client.force_next("sendMessage", 502, count=50)
    loop = build_delivery(app, deps, FAST)
    for _ in range(12):
        await loop.drain(timeout=30)
        db.clock.advance(seconds=400)
    assert statuses(db) == {"dead": 1}
    await client.clear_forced()


async def test_a_blocked_user_is_marked_unreachable_without_retries(db, client, bot_for):
    admin, students = await people_in_sandbox(db, client, 2)
    await client.block(students[0].telegram_user_id)
    app, deps = await bot_for()
    assign_to(db, admin, students)
    loop = build_delivery(app, deps, FAST)
    await loop.drain(timeout=30)
    assert statuses(db) == {"sent": 1, "unreachable": 1}
    with db.uow(readonly=True) as uow:
        assert uow.session.get(Person, students[0].id).telegram_unreachable_at is not None
    db.clock.advance(hours=1)
    await loop.drain(timeout=5)
    assert statuses(db) == {"sent": 1, "unreachable": 1}


async def test_killing_the_loop_midway_loses_nothing(db, client, bot_for):
    admin, students = await people_in_sandbox(db, client, 10)
    app, deps = await bot_for()
    for n in range(4):  # four messages per chat: at least three seconds of pacing
        assign_to(db, admin, students, title=f"Task {n}")
    loop = build_delivery(app, deps, FAST)
    runner = asyncio.create_task(loop.run())
    chat = students[0].telegram_chat_id
    await client.wait_for_bot_message(chat, 0, timeout=10)
    in_hand = [runner, *loop._inflight]
    for task in in_hand:  # a crash: nothing in hand is finished, claimed rows stay claimed
        task.cancel()
    await asyncio.gather(*in_hand, return_exceptions=True)
    left = statuses(db)
    assert left.get("sent", 0) < 40

    assert left.get("sending", 0) > 0  # the dead loop's claims
    db.clock.advance(seconds=1)  # far short of the claims' 5-minute lease
    restarted = build_delivery(app, deps, FAST)  # a new worker in the process that held them: they are free
    await restarted.drain(timeout=60)
    assert statuses(db) == {"sent": 40}
    for s in students:
        texts = [m["text"].splitlines()[0] for m in await client.bot_messages(s.telegram_chat_id)]
        assert set(texts) == {f"Task {n}" for n in range(4)}  # none lost (at-least-once)


async def test_a_row_that_cannot_be_rendered_does_not_stop_the_others(db, client, bot_for):
    from domain.outbox import Intent, enqueue

    admin, students = await people_in_sandbox(db, client, 2)
    app, deps = await bot_for()
    with db.uow() as uow:  # an absence about a class that does not exist: its renderer raises NotFound
        enqueue(uow.session, [Intent("absence", students[0].id, "absence:broken",
                                     {"session_id": 999_999, "student_id": students[0].id})], uow.now)
        uow.commit()
    assign_to(db, admin, students)
    loop = build_delivery(app, deps, FAST)
    runner = asyncio.create_task(loop.run())
    for s in students:
        await client.wait_for_bot_message(s.telegram_chat_id, 0, timeout=15)
    for _ in range(12):  # the broken row is retried with backoff, then dead-lettered
        db.clock.advance(seconds=600)
        loop.wake()
        await asyncio.sleep(0.1)
        if statuses(db).get("dead"):
            break
    await loop.stop()
    await runner
    assert statuses(db) == {"sent": 2, "dead": 1}


async def test_sign_in_codes_are_scrubbed_whatever_the_outcome(db, client, bot_for):
    from domain.auth import services as auth

    _admin, students = await people_in_sandbox(db, client, 2)
    await client.block(students[0].telegram_user_id)
    app, deps = await bot_for()
    for s in students:
        auth.request_code(db.uow(), phone=s.phone, ip=None, key="k" * 32)
    await build_delivery(app, deps, FAST).drain(timeout=30)
    with db.uow(readonly=True) as uow:
        rows = {n.status.value: n.data for n in uow.session.scalars(select(Notification))}
    assert rows == {"sent": {"scrubbed": True}, "unreachable": {"scrubbed": True}}


async def test_a_worker_silent_past_the_lapse_gives_back_what_it_holds_instead_of_sending(db, client, bot_for):
    from domain import outbox, workers

    admin, students = await people_in_sandbox(db, client, 3)
    app, deps = await bot_for()
    assign_to(db, admin, students)
    paused = build_delivery(app, deps, FAST)
    batch = await asyncio.to_thread(paused._claim_and_render, 10)
    assert len(batch) == 3 and statuses(db) == {"sending": 3}
    # SIGSTOP for 20 s: its heartbeat lapses and another worker takes one of its rows meanwhile.
    paused._last_beat -= 20
    db.clock.advance(seconds=20)
    other = workers.WorkerId("elsewhere/ns:9:other", "elsewhere/ns", 9)
    workers.register(db.uow(), other, lambda pid: True)
    taken = outbox.claim_due(db.uow(), 1, worker_id=other.id)
    assert len(taken) == 1
    # SIGCONT: the paused worker sends none of what it held; it gives back only what is still its own.
    paused._launch(batch)
    await asyncio.gather(*paused._inflight)
    assert paused.stats["given back"] == 3 and paused.stats["sent"] == 0
    for s in students:
        assert await client.bot_messages(s.telegram_chat_id) == []
    await paused.drain(timeout=30)
    assert statuses(db) == {"sent": 2, "sending": 1}  # the row the other worker took stays with it
    with db.uow(readonly=True) as uow:
        assert uow.session.get(Notification, taken[0].id).claimed_by == other.id


async def test_a_stop_gives_back_at_once_what_waits_for_its_slot_and_finishes_what_is_on_its_way(
        db, client, bot_for):
    import time

    admin, students = await people_in_sandbox(db, client, 1)
    chat = students[0].telegram_chat_id
    app, deps = await bot_for()
    for n in range(6):  # one chat: paced one a second, so most wait for their slot
        assign_to(db, admin, students, title=f"Task {n}")
    loop = build_delivery(app, deps, FAST)
    runner = asyncio.create_task(loop.run())
    await client.wait_for_bot_message(chat, 0, timeout=15)
    reply = asyncio.create_task(app.bot.send_message(chat, "A reply"))  # a handler's: its slot is behind the rows
    await asyncio.sleep(0.1)
    began = time.monotonic()
    await loop.stop()
    await runner
    took = time.monotonic() - began
    await asyncio.wait_for(reply, 3)  # the rows given back no longer hold it up (else ~5 s)
    left = statuses(db)
    sent = len(await client.bot_messages(chat)) - 1
    assert took < 2.0  # not the ~5 s the waiting rows would take to go out one a second
    assert left == {"sent": sent, "pending": 6 - sent} and 1 <= sent < 6  # none left claimed, none lost
    again = build_delivery(app, deps, FAST)
    await again.drain(timeout=30)
    assert statuses(db) == {"sent": 6}
    texts = [m["text"] for m in await client.bot_messages(chat)]
    assert len(texts) == 7 and all(any(f"Task {n}" in t for t in texts) for n in range(6))  # each once
