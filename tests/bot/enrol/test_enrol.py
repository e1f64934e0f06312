"""/enrol over the sandbox: an admin picks a batch, types a name, picks the student and confirms;
the student is enrolled once; teachers are told it is for admins; buttons fit in 64 bytes."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from domain.actors import Actor
from domain.attendance import batches
from domain.clock import FixedClock
from domain.models import AuditEntry, Enrolment, Role
from tests.auxil import databases
from tests.auxil.telegram import start_bot
from tests.factories import sandbox_person

pytestmark = pytest.mark.asyncio(loop_scope="module")
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def db(tmp_path_factory, sqlite_template):
    """A database of this module's own: the bot runs across its tests."""
    yield from databases.module_database(tmp_path_factory.mktemp("enrol"), sqlite_template, FixedClock(MONDAY))


@pytest.fixture(scope="module")
async def org(db, client):
    made: dict[str, Any] = {}
    roles = [("admin", Role.ADMIN), ("teacher", Role.TEACHER), ("bea", Role.STUDENT), ("ben", Role.STUDENT)]
    for i, (key, role) in enumerate(roles):
        made[key] = await sandbox_person(db, client, first_name=key.title(), name=f"{key.title()} Person",
                                         phone=f"+44770094{i:04d}", role=role)
    made["batch"] = batches.create_batch(db.uow(), Actor.system(), name="Physics 10",
                                         teacher_ids=[made["teacher"].id])
    batches.create_batch(db.uow(), Actor.system(), name="Art 7")
    return made


@pytest.fixture(scope="module")
async def running(db, sandbox, org):
    bot = await start_bot(db, sandbox.url)
    yield bot
    await bot.stop()


async def next_from_bot(client, chat: int, after: int) -> dict[str, Any]:
    return await client.wait_for_bot_message(chat, after, timeout=10)


def buttons(message: dict[str, Any]) -> dict[str, str]:
    found = {b["text"]: b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row}
    assert all(len(data.encode()) < 64 for data in found.values())
    return found


async def test_an_admin_enrols_a_student_from_the_chat(running, client, db, org):
    chat = org["admin"].telegram_chat_id
    sent = await client.send_text(chat, "/enrol")
    listing = await next_from_bot(client, chat, sent["message_id"])
    assert "which batch" in listing["text"]
    assert list(buttons(listing)) == ["Art 7", "Physics 10"]
    await client.press_button(chat, listing["message_id"], buttons(listing)["Physics 10"])
    students = await next_from_bot(client, chat, listing["message_id"])
    assert "Physics 10: which student?" in students["text"]
    assert list(buttons(students)) == ["Bea Person", "Ben Person"]
    sent = await client.send_text(chat, "bea")
    narrowed = await next_from_bot(client, chat, sent["message_id"])
    assert list(buttons(narrowed)) == ["Bea Person"]
    await client.press_button(chat, narrowed["message_id"], buttons(narrowed)["Bea Person"])
    confirm = await next_from_bot(client, chat, narrowed["message_id"])
    assert confirm["text"] == "Enrol Bea Person in Physics 10 from today (Mon 2 Nov 2026)?"
    version = (await client.chat(chat))["version"]
    qid = await client.press_button(chat, confirm["message_id"], buttons(confirm)["Confirm"])
    assert (await client.callback_answer(qid, wait=5))["text"] == "Enrolled."
    await client.wait_for_change(chat, version, timeout=10)
    done = next(m for m in await client.messages(chat) if m["message_id"] == confirm["message_id"])
    assert done["text"].startswith("Enrolled Bea Person in Physics 10.")
    with db.uow(readonly=True) as uow:
        row = uow.session.get(Enrolment, (org["batch"].id, org["bea"].id))
        audited = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "batch.enrol")).one()
    assert row.enrolled_on == date(2026, 11, 2) and row.left_on is None
    assert audited.actor_id == org["admin"].id

    sent = await client.send_text(chat, "/enrol")  # Bea is in already: she is not offered again
    listing = await next_from_bot(client, chat, sent["message_id"])
    await client.press_button(chat, listing["message_id"], buttons(listing)["Physics 10"])
    students = await next_from_bot(client, chat, listing["message_id"])
    assert list(buttons(students)) == ["Ben Person"]
    sent = await client.send_text(chat, "bea")
    nobody = await next_from_bot(client, chat, sent["message_id"])
    assert "No student matching “bea” is outside Physics 10" in nobody["text"]
    sent = await client.send_text(chat, "/cancel")
    stopped = await next_from_bot(client, chat, sent["message_id"])
    assert stopped["text"] == "Stopped; nobody was enrolled."


async def test_enrol_is_for_admins(running, client, db, org):
    chat = org["teacher"].telegram_chat_id
    sent = await client.send_text(chat, "/enrol")
    answer = await next_from_bot(client, chat, sent["message_id"])
    assert answer["text"].startswith("Only admins can enrol students here")
    await asyncio.sleep(0.2)
    with db.uow(readonly=True) as uow:
        assert list(uow.session.scalars(select(Enrolment.student_id))) == [org["bea"].id]
