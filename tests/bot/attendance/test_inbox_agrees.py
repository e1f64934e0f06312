"""/inbox in Telegram and the console's Inbox show the same items, over the sandbox and the real app."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

import pytest

from bot.delivery import DeliveryConfig
from domain.auth import services as auth
from domain.clock import FixedClock
from domain.models import ActionStatus, PendingAction, Role
from tests.auxil import databases
from tests.auxil.telegram import start_bot
from tests.auxil.web import client as web_client
from tests.auxil.web import make_deps
from tests.factories import sandbox_person

pytestmark = pytest.mark.asyncio(loop_scope="module")
NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def db(tmp_path_factory, sqlite_template):
    """A database of this module's own: the bot runs across its tests."""
    yield from databases.module_database(tmp_path_factory.mktemp("inbox"), sqlite_template, FixedClock(NOW))


@pytest.fixture(scope="module")
async def teacher(db, client):
    return await sandbox_person(db, client, first_name="Tia", name="Tia Teacher", phone="+447700950001",
                                role=Role.TEACHER)


@pytest.fixture(scope="module")
async def running(db, sandbox, teacher):
    bot = await start_bot(db, sandbox.url, delivery=DeliveryConfig(idle_poll=0.05))
    runner = asyncio.create_task(bot.delivery.run())
    yield bot
    await bot.stop()
    await runner


async def inbox_reply(client, chat: int, expected: int) -> tuple[str, list[str]]:
    """Send /inbox; the count line and the items that follow it (waiting for `expected` of them)."""
    last = max((m["message_id"] for m in await client.messages(chat)), default=0)
    await client.send_text(chat, "/inbox")
    head = await client.wait_for_bot_message(chat, last + 1, timeout=10)
    items, message = [], head
    for _ in range(expected):  # the bot paces messages to one chat (about one a second)
        message = await client.wait_for_bot_message(chat, message["message_id"], timeout=5)
        items.append(message["text"])
    return head["text"], items


async def test_inbox_in_the_chat_equals_the_console(running, client, db, teacher):
    with db.uow() as uow:
        for n in range(12):
            uow.session.add(PendingAction(kind="absence_streak", owner_id=teacher.id, summary=f"Streak {n}",
                                          dedupe_key=f"s:{n}", created_at=NOW,
                                          status=ActionStatus.RESOLVED if n == 11 else ActionStatus.OPEN))
        uow.commit()
    head, items = await inbox_reply(client, teacher.telegram_chat_id, 10)
    assert head.startswith("11 open items (the first 10 below")
    assert items == [f"📥 Streak {n}" for n in range(10)]

    session = auth.create_session(db.uow(), teacher.id, "127.0.0.1")
    async with web_client(make_deps(db)) as http:
        http.cookies.set("tb_session", session.session_id)
        page = (await http.get("/admin/inbox")).text
    assert re.search(r'id="inbox-count">11 open items<', page)
    shown = re.findall(r"<h3>(Streak \d+)</h3>", page)
    assert shown == [f"Streak {n}" for n in range(11)] and shown[:10] == [i[2:] for i in items]
