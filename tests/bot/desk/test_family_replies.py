"""Replies are the conversation: a parent's reply to an absence reaches the teacher, and back; other replies get a hint."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest

from bot.delivery import DeliveryConfig
from domain.actors import Actor
from domain.attendance import batches, schedule, sheet
from domain.clock import FixedClock
from domain.models import Mark, Role
from domain.people import services as people
from tests.auxil import databases
from tests.auxil.telegram import start_bot
from tests.factories import sandbox_person

pytestmark = pytest.mark.asyncio(loop_scope="module")
MONDAY_OPENING = datetime(2026, 11, 2, 15, 50, tzinfo=UTC)


@pytest.fixture(scope="module")
def db(tmp_path_factory, sqlite_template):
    """A database of this module's own: the bot runs across its tests."""
    yield from databases.module_database(tmp_path_factory.mktemp("family"), sqlite_template,
                                         FixedClock(MONDAY_OPENING))


@pytest.fixture(scope="module")
async def org(db, client):
    made = {}
    roles = [("teacher", Role.TEACHER), ("kid", Role.STUDENT), ("dad", Role.PARENT)]
    for i, (key, role) in enumerate(roles):
        made[key] = await sandbox_person(db, client, first_name=key.title(), name=f"{key.title()} Person",
                                         phone=f"+44770094{i:04d}", role=role)
    people.link_parent(db.uow(), Actor.system(), made["dad"].id, made["kid"].id)
    batch = batches.create_batch(db.uow(), Actor.system(), name="Biology 7", teacher_ids=[made["teacher"].id])
    batches.add_slot(db.uow(), Actor.system(), batch.id, weekday=0, start="16:00", duration_minutes=60)
    batches.enrol(db.uow(), Actor.system(), batch.id, made["kid"].id, date(2026, 10, 1))
    schedule.ensure_sessions(db.uow(), date(2026, 11, 2), date(2026, 11, 2), "Europe/London")
    return made


@pytest.fixture(scope="module")
async def running(db, sandbox, org):
    bot = await start_bot(db, sandbox.url, delivery=DeliveryConfig(idle_poll=0.05))
    runner = asyncio.create_task(bot.delivery.run())
    yield bot
    await bot.stop()
    await runner


async def next_containing(client, chat_id: int, after: int, needle: str) -> dict:
    message = await client.wait_for_bot_message(chat_id, after, timeout=15)
    while needle not in message["text"]:
        message = await client.wait_for_bot_message(chat_id, message["message_id"], timeout=15)
    return message


async def test_parent_reply_to_absence_reaches_teacher_and_back(running, client, db, org):
    teacher, dad = org["teacher"], org["dad"]
    [session_id] = schedule.open_due(db.uow())
    sheet.submit(db.uow(), Actor.telegram(teacher.id), session_id, {org["kid"].id: Mark.ABSENT})
    absence = await next_containing(client, dad.telegram_chat_id, 0, "was marked absent")
    assert "reply to this message to reach the teacher" in absence["text"]

    sent = await client.send_text(dad.telegram_chat_id, "He had a fever, sorry!",
                                  reply_to_message_id=absence["message_id"])
    ack = await next_containing(client, dad.telegram_chat_id, sent["message_id"], "Passed on")
    assert "Teacher Person" in ack["text"]
    relayed = await next_containing(client, teacher.telegram_chat_id, 0, "He had a fever")
    assert "Dad Person (parent of Kid Person)" in relayed["text"] and "Biology 7" in relayed["text"]
    assert dad.phone not in relayed["text"]

    answer = await client.send_text(teacher.telegram_chat_id, "Get well soon.",
                                    reply_to_message_id=relayed["message_id"])
    await next_containing(client, teacher.telegram_chat_id, answer["message_id"], "Passed on to Dad Person")
    back = await next_containing(client, dad.telegram_chat_id, ack["message_id"], "Get well soon.")
    assert "Teacher Person" in back["text"] and teacher.phone not in back["text"]


async def test_a_reply_to_anything_else_gets_a_hint(running, client, org):
    chat = org["kid"].telegram_chat_id
    hello = await client.send_text(chat, "/me")
    me = await client.wait_for_bot_message(chat, hello["message_id"], timeout=10)
    sent = await client.send_text(chat, "what about this?", reply_to_message_id=me["message_id"])
    hint = await client.wait_for_bot_message(chat, sent["message_id"], timeout=10)
    assert "not part of a request or a conversation" in hint["text"]
