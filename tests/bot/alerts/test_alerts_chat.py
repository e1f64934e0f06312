"""Alerts in Telegram over the sandbox: an SLA breach arrives once with [Open] [Dismiss]; Dismiss works;
/alerts lists the unread ones; Open marks read."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.delivery import DeliveryConfig
from domain.actors import Actor
from domain.alerts import services as alerts
from domain.alerts.raising import raise_alert
from domain.clock import SystemClock
from domain.models import Notification, Role
from tests.auxil import databases
from tests.auxil.telegram import start_bot
from tests.bot.desk.conftest import bot_says, data_of, last_id, press, press_edit, say
from tests.factories import sandbox_person

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def db(tmp_path_factory, sqlite_template):
    """A database of this module's own: the bot runs across its tests."""
    yield from databases.module_database(tmp_path_factory.mktemp("alerts"), sqlite_template, SystemClock())


@pytest.fixture(scope="module")
async def admin(db, client):
    return await sandbox_person(db, client, first_name="Ada", name="Ada Admin", phone="+447700960001",
                                role=Role.ADMIN)


@pytest.fixture(scope="module")
async def running(db, sandbox, admin):
    bot = await start_bot(db, sandbox.url, delivery=DeliveryConfig(idle_poll=0.05, backoff_base=0.05))
    runner = asyncio.create_task(bot.delivery.run())
    yield bot
    await bot.stop()
    await runner


def breach(db, item_id: int) -> int | None:
    with db.uow() as uow:
        got = raise_alert(uow.session, "sla_breach", f"SLA breached: request #{item_id}",
                          "Resolution was due at 10:00.", uow.now, item_kind="ticket", item_id=item_id)
        uow.commit()
        return got


async def test_a_breach_arrives_once_and_dismiss_works(running, client, db, admin):
    chat = admin.telegram_chat_id
    before = await last_id(client, chat)
    alert_id = breach(db, 41)
    assert alert_id is not None and breach(db, 41) is None  # raised once
    message = await bot_says(client, chat, before, "SLA breached: request #41")
    assert "Open" in str(message["reply_markup"]) and "Dismiss" in str(message["reply_markup"])
    assert all(len(b["callback_data"].encode()) <= 64 for row in message["reply_markup"]["inline_keyboard"]
               for b in row)
    dismissed = await press_edit(client, chat, message, "Dismiss")
    assert "Dismissed" in dismissed["text"] and not dismissed.get("reply_markup")
    assert alerts.list_mine(db.uow(readonly=True), Actor.telegram(admin.id)) == []
    await asyncio.sleep(0.3)
    bot_texts = [m["text"] for m in await client.bot_messages(chat)]
    assert sum("SLA breached: request #41" in t for t in bot_texts) == 1  # announced once
    with db.uow(readonly=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "alert", Notification.subject_id == alert_id)) == 1


async def test_alerts_lists_unread_and_open_marks_read(running, client, db, admin):
    chat = admin.telegram_chat_id
    before = await last_id(client, chat)
    breach(db, 42)
    await bot_says(client, chat, before, "request #42")
    listed = await say(client, chat, "/alerts", "Unread alerts")
    assert "request #42" in listed["text"] and "request #41" not in listed["text"]
    opened = await press(client, chat, listed, "Open", "Resolution was due")
    assert "ticket #42" in opened["text"]
    assert alerts.list_unread(db.uow(readonly=True), Actor.telegram(admin.id)) == []
    assert "No unread alerts" in (await say(client, chat, "/alerts", "alerts"))["text"]
    assert data_of(listed, "Dismiss").startswith("al:d:")
