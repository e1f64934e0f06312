"""A notification retried from the console's Delivery page is really sent by the delivery loop."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.app import build_application, build_delivery
from bot.delivery import DeliveryConfig
from domain.models import Notification, NotificationStatus, Person, Role
from tests.auxil.console import csrf_in, session_cookie
from tests.auxil.telegram import TOKEN, bot_deps, settings_for
from tests.auxil.web import BASE_URL, make_deps
from tests.auxil.web import client as web_client
from tests.factories import assign_one, sandbox_person

pytestmark = pytest.mark.asyncio(loop_scope="module")
FAST = DeliveryConfig(backoff_base=0.05, idle_poll=0.05)


def rows(db) -> list[Notification]:
    with db.uow(readonly=True) as uow:
        return list(uow.session.query(Notification).order_by(Notification.id))


async def test_blocked_then_unblocked_and_a_refused_send_arrive_after_retry(db, sandbox, client):
    await client.reset()
    admin = await sandbox_person(db, client, first_name="Ada", name="Ada Admin", phone="+447700900801",
                                 role=Role.ADMIN)
    sam = await sandbox_person(db, client, first_name="Sam", name="Sam Student", phone="+447700900802",
                               role=Role.STUDENT)
    kim = await sandbox_person(db, client, first_name="Kim", name="Kim Student", phone="+447700900803",
                               role=Role.STUDENT)
    deps = bot_deps(settings_for(str(db.engine.url), sandbox.url), db)
    app = build_application(deps, TOKEN, sandbox.url, updater=False)
    await app.initialize()
    try:
        await client.block(sam.telegram_user_id)
        assign_one(db, admin, sam, "Read chapter 3")
        await build_delivery(app, deps, FAST).drain(timeout=30)
        await client.force_next("sendMessage", 400, description="Bad Request: something odd")
        assign_one(db, admin, kim, "Read chapter 4")
        await build_delivery(app, deps, FAST).drain(timeout=30)
        assert {r.recipient_id: r.status for r in rows(db)} == {sam.id: NotificationStatus.UNREACHABLE,
                                                               kim.id: NotificationStatus.DEAD}
        assert await client.bot_messages(sam.telegram_chat_id) == []
        assert await client.bot_messages(kim.telegram_chat_id) == []
        await client.unblock(sam.telegram_user_id)

        async with web_client(make_deps(db)) as http:  # the admin presses Retry all on the Delivery page
            http.cookies.set("tb_session", session_cookie(db, admin, BASE_URL)["value"])
            page = await http.get("/admin/delivery")
            assert "Blocked the bot" in page.text and "Something odd" in page.text
            r = await http.post("/admin/delivery/retry", data={"csrf": csrf_in(page.text)})
            assert r.headers["location"] == "/admin/delivery?m=retried_all&n=2"

        await build_delivery(app, deps, FAST).drain(timeout=30)
        assert {r.recipient_id: r.status for r in rows(db)} == {sam.id: NotificationStatus.SENT,
                                                               kim.id: NotificationStatus.SENT}
        assert "Read chapter 3" in (await client.bot_messages(sam.telegram_chat_id))[0]["text"]
        assert "Read chapter 4" in (await client.bot_messages(kim.telegram_chat_id))[0]["text"]
        with db.uow(readonly=True) as uow:
            assert uow.session.get(Person, sam.id).telegram_unreachable_at is None
    finally:
        await app.shutdown()


async def test_a_commit_in_this_process_wakes_the_loop_not_the_poll(db, sandbox, client):
    """With a one-minute poll, a task assigned (in a worker thread, as the web app does) and a Retry
    pressed on the console both arrive within seconds: the commit woke the loop."""
    await client.reset()
    admin = await sandbox_person(db, client, first_name="Ada", name="Ada Admin", phone="+447700900811",
                                 role=Role.ADMIN)
    sam = await sandbox_person(db, client, first_name="Sam", name="Sam Student", phone="+447700900812",
                               role=Role.STUDENT)
    deps = bot_deps(settings_for(str(db.engine.url), sandbox.url), db)
    app = build_application(deps, TOKEN, sandbox.url, updater=False)
    await app.initialize()
    loop = build_delivery(app, deps, DeliveryConfig(idle_poll=60.0))
    running = asyncio.create_task(loop.run())
    try:
        await asyncio.sleep(0.3)  # the loop has looked once and sleeps for a minute
        started = time.monotonic()
        await asyncio.to_thread(assign_one, db, admin, sam, "Read chapter 5")
        message = await client.wait_for_bot_message(sam.telegram_chat_id, timeout=5)
        assert "Read chapter 5" in message["text"] and time.monotonic() - started < 5
        await client.block(sam.telegram_user_id)
        await asyncio.to_thread(assign_one, db, admin, sam, "Read chapter 6")
        for _ in range(50):
            if any(r.status == NotificationStatus.UNREACHABLE for r in rows(db)):
                break
            await asyncio.sleep(0.1)
        await client.unblock(sam.telegram_user_id)
        async with web_client(make_deps(db)) as http:
            http.cookies.set("tb_session", session_cookie(db, admin, BASE_URL)["value"])
            page = await http.get("/admin/delivery")
            started = time.monotonic()
            r = await http.post("/admin/delivery/retry", data={"csrf": csrf_in(page.text)})
            assert r.headers["location"] == "/admin/delivery?m=retried_all&n=1"
        message = await client.wait_for_bot_message(sam.telegram_chat_id, after_message_id=message["message_id"],
                                                    timeout=5)
        assert "Read chapter 6" in message["text"] and time.monotonic() - started < 5
    finally:
        await loop.stop()
        await running
        await app.shutdown()
    assert db.outbox_listeners == []
