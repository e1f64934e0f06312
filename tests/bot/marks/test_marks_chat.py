"""/refer and /marks over the sandbox: a student refers a friend (a wrong phone is asked again, Skip for the
note, Confirm), the referral is stored with its referrer; once the friend is invited and enrolled the
student is thanked in Telegram, once. A parent is told their child's mark (the rule on) and /marks shows
the results to the student and the parent; a teacher is pointed to the console."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.delivery import DeliveryConfig
from domain.actors import Actor
from domain.attendance import batches
from domain.clock import FixedClock
from domain.marks import class_tests, sheet
from domain.models import Referral, ReferralStatus, Role, RuleConfig
from domain.people import services as people
from domain.referrals import services as referrals
from tests.auxil import databases
from tests.auxil.telegram import start_bot
from tests.factories import sandbox_person

pytestmark = pytest.mark.asyncio(loop_scope="module")
NOW = datetime(2026, 11, 12, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def db(tmp_path_factory, sqlite_template):
    yield from databases.module_database(tmp_path_factory.mktemp("marks"), sqlite_template, FixedClock(NOW))


@pytest.fixture(scope="module")
async def org(db, client):
    made: dict[str, Any] = {}
    roles = [("admin", Role.ADMIN), ("teacher", Role.TEACHER), ("kid", Role.STUDENT), ("mum", Role.PARENT)]
    for i, (key, role) in enumerate(roles):
        made[key] = await sandbox_person(db, client, first_name=key.title(), name=f"{key.title()} Person",
                                         phone=f"+44770095{i:04d}", role=role)
    people.link_parent(db.uow(), Actor.system(), made["mum"].id, made["kid"].id)
    made["batch"] = batches.create_batch(db.uow(), Actor.system(), name="Physics 10", teacher_ids=[made["teacher"].id])
    batches.enrol(db.uow(), Actor.system(), made["batch"].id, made["kid"].id, date(2026, 10, 1))
    return made


@pytest.fixture(scope="module")
async def running(db, sandbox, org):
    bot = await start_bot(db, sandbox.url, delivery=DeliveryConfig(idle_poll=0.05))
    yield bot
    await bot.stop()


def buttons(message: dict[str, Any]) -> dict[str, str]:
    found = {b["text"]: b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row}
    assert all(len(data.encode()) <= 64 for data in found.values())
    return found


async def say(client, chat: int, text: str) -> dict[str, Any]:
    sent = await client.send_text(chat, text)
    return await client.wait_for_bot_message(chat, sent["message_id"], timeout=10)


async def test_a_student_refers_a_friend_and_is_thanked_once_when_they_enrol(running, client, db, org):
    chat = org["kid"].telegram_chat_id
    asked = await say(client, chat, "/refer")
    assert asked["text"].startswith("Refer someone to the centre. What is their name?")
    phone_q = await say(client, chat, "Rita Rao")
    assert phone_q["text"].startswith("Rita Rao's phone number")
    again = await say(client, chat, "call me maybe")
    assert "is not a phone number" in again["text"] and "Send their number again" in again["text"]
    note_q = await say(client, chat, "+44 7700 900777")
    assert "A note for the centre" in note_q["text"]
    await client.press_button(chat, note_q["message_id"], buttons(note_q)["Skip"])
    confirm = await client.wait_for_bot_message(chat, note_q["message_id"], timeout=10)
    assert confirm["text"] == "Refer Rita Rao (+447700900777)?"
    version = (await client.chat(chat))["version"]
    qid = await client.press_button(chat, confirm["message_id"], buttons(confirm)["Confirm"])
    assert (await client.callback_answer(qid, wait=5))["text"] == "Referred."
    await client.wait_for_change(chat, version, timeout=10)
    done = next(m for m in await client.messages(chat) if m["message_id"] == confirm["message_id"])
    assert done["text"].startswith("Thank you! The centre will get in touch with Rita Rao.")
    with db.uow(readonly=True) as uow:
        ref = uow.session.scalars(select(Referral)).one()
    assert (ref.referrer_id, ref.name, ref.phone, ref.status) == (org["kid"].id, "Rita Rao", "+447700900777",
                                                                  ReferralStatus.NEW)

    admin = Actor.web(org["admin"].id, None)
    rita = referrals.invite(db.uow(), admin, ref.id)
    batches.enrol(db.uow(), admin, org["batch"].id, rita, date(2026, 11, 12))
    batches.unenrol(db.uow(), admin, org["batch"].id, rita, date(2026, 11, 12))
    batches.enrol(db.uow(), admin, org["batch"].id, rita, date(2026, 11, 13))
    last = max(m["message_id"] for m in await client.messages(chat))
    await running.delivery.drain()
    thanked = [m for m in await client.messages(chat) if m["message_id"] > last]
    assert [m["text"] for m in thanked] == ["🎉 Thank you! Rita Rao, whom you referred, has joined us."]

    teacher_says = await say(client, org["teacher"].telegram_chat_id, "/refer")
    assert teacher_says["text"].startswith("/refer is for students and parents")


async def test_a_parent_is_told_the_mark_and_marks_shows_the_results(running, client, db, org):
    with db.uow() as uow:
        uow.session.add(RuleConfig(scope="global", key="marks.notify_parents", value={"value": True},
                                   updated_at=uow.now))
        uow.commit()
    teacher = Actor.web(org["teacher"].id, None)
    test_id = class_tests.create_test(db.uow(), teacher, org["batch"].id, "Unit test 1", "2026-11-10", "20")
    sheet.save_sheet(db.uow(), teacher, test_id, {org["kid"].id: ("17", False)})
    mum = org["mum"].telegram_chat_id
    last = max((m["message_id"] for m in await client.messages(mum)), default=0)
    await running.delivery.drain()
    told = [m["text"] for m in await client.messages(mum) if m["message_id"] > last]
    assert told == ["📝 Kid Person scored 17/20 (85%) in Unit test 1, Physics 10 (Tue 10 Nov). "
                    "Send /marks for all results."]
    mine = await say(client, org["kid"].telegram_chat_id, "/marks")
    assert mine["text"] == "Test results: Kid Person\n• Unit test 1 (Physics 10, Tue 10 Nov): 17/20 (85%)"
    theirs = await say(client, mum, "/marks")
    assert theirs["text"] == mine["text"]
    staff = await say(client, org["teacher"].telegram_chat_id, "/marks")
    assert "console (Marks)" in staff["text"]
