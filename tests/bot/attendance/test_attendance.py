"""Attendance in Telegram over the sandbox: the sheet arrives, toggles, submit, parents told once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from bot.delivery import DeliveryConfig
from domain.actors import Actor
from domain.attendance import batches, schedule
from domain.clock import FixedClock
from domain.models import AttendanceRecord, ClassSession, Mark, Notification, Role
from domain.people import services as people
from tests.auxil import databases
from tests.auxil.telegram import start_bot
from tests.factories import sandbox_person

pytestmark = pytest.mark.asyncio(loop_scope="module")
MONDAY_OPENING = datetime(2026, 11, 2, 15, 50, tzinfo=UTC)  # 15:50 London, class at 16:00



@pytest.fixture(scope="module")
def db(tmp_path_factory, sqlite_template):
    """A database of this module's own: the bot runs across its tests."""
    yield from databases.module_database(tmp_path_factory.mktemp("att"), sqlite_template, FixedClock(MONDAY_OPENING))



@pytest.fixture(scope="module")
async def org(db, client):
    made = {}
    roles = [("teacher", Role.TEACHER), ("s0", Role.STUDENT), ("s1", Role.STUDENT), ("mum", Role.PARENT)]
    for i, (key, role) in enumerate(roles):
        made[key] = await sandbox_person(db, client, first_name=key.title(), name=f"{key.title()} Person",
                                         phone=f"+44770093{i:04d}", role=role)
    people.link_parent(db.uow(), Actor.system(), made["mum"].id, made["s1"].id)
    batch = batches.create_batch(db.uow(), Actor.system(), name="Chemistry 9", teacher_ids=[made["teacher"].id])
    batches.add_slot(db.uow(), Actor.system(), batch.id, weekday=0, start="16:00", duration_minutes=60)
    for key in ("s0", "s1"):
        batches.enrol(db.uow(), Actor.system(), batch.id, made[key].id, date(2026, 10, 1))
    schedule.ensure_sessions(db.uow(), date(2026, 11, 2), date(2026, 11, 2), "Europe/London")
    return made


@pytest.fixture(scope="module")
async def running(db, sandbox, org):
    bot = await start_bot(db, sandbox.url, delivery=DeliveryConfig(idle_poll=0.05))
    runner = asyncio.create_task(bot.delivery.run())
    yield bot
    await bot.stop()
    await runner


async def test_sheet_toggle_submit_and_parent_told_once(running, client, db, org):
    teacher_chat = org["teacher"].telegram_chat_id
    assert len(schedule.open_due(db.uow())) == 1
    sheet = await client.wait_for_bot_message(teacher_chat, 0, timeout=15)
    assert "Chemistry 9" in sheet["text"] and "2 present" in sheet["text"]
    buttons = [b for row in sheet["reply_markup"]["inline_keyboard"] for b in row]
    assert any(b.get("url", "").startswith("http://127.0.0.1:8000/attendance/sheet/") for b in buttons)
    toggle = next(b["callback_data"] for b in buttons if "S1 Person" in b["text"])

    chat = await client.chat(teacher_chat)
    await client.press_button(teacher_chat, sheet["message_id"], toggle)
    await client.wait_for_change(teacher_chat, chat["version"], timeout=10)
    edited = next(m for m in await client.messages(teacher_chat) if m["message_id"] == sheet["message_id"])
    assert "1 present · 1 absent" in edited["text"]

    submit = next(b["callback_data"] for row in edited["reply_markup"]["inline_keyboard"] for b in row
                  if b["text"] == "Submit")
    qid = await client.press_button(teacher_chat, sheet["message_id"], submit)
    answer = await client.callback_answer(qid, wait=5)
    assert answer["text"].startswith("Submitted: 1 present, 1 absent")

    told = await client.wait_for_bot_message(org["mum"].telegram_chat_id, 0, timeout=15)
    assert "S1 Person was marked absent from Chemistry 9" in told["text"]
    assert "reply to this message to reach the teacher" in told["text"]
    with db.uow(readonly=True) as uow:
        marks = dict(uow.session.execute(select(AttendanceRecord.student_id, AttendanceRecord.mark)).all())
        absences = uow.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "absence"))
    assert marks == {org["s0"].id: Mark.PRESENT, org["s1"].id: Mark.ABSENT}
    assert absences == 1

    # A stale press after submission changes nothing and says why.
    qid = await client.press_button(teacher_chat, sheet["message_id"], toggle, forge=True)
    answer = await client.callback_answer(qid, wait=5)
    assert answer["text"] == "Attendance window closed for this class."


async def test_attendance_lists_the_day_and_moves_within_the_window(running, client, db, org):
    chat = org["teacher"].telegram_chat_id
    last = max(m["message_id"] for m in await client.messages(chat))
    await client.send_text(chat, "/attendance")
    listing = await client.wait_for_bot_message(chat, last + 1, timeout=10)
    while "classes" not in listing["text"]:
        listing = await client.wait_for_bot_message(chat, listing["message_id"], timeout=10)
    assert "Today's classes" in listing["text"] and "Chemistry 9" in listing["text"]
    nav = {b["text"]: b["callback_data"] for row in listing["reply_markup"]["inline_keyboard"] for b in row}
    version = (await client.chat(chat))["version"]
    await client.press_button(chat, listing["message_id"], nav["Day after »"])
    await client.wait_for_change(chat, version, timeout=10)
    moved = next(m for m in await client.messages(chat) if m["message_id"] == listing["message_id"])
    assert "Classes on Tue 3 Nov" in moved["text"] and "No classes." in moved["text"]
    version = (await client.chat(chat))["version"]
    await client.press_button(chat, listing["message_id"], "atd:2026-11-09", forge=True)
    await client.wait_for_change(chat, version, timeout=10)
    moved = next(m for m in await client.messages(chat) if m["message_id"] == listing["message_id"])
    assert "Classes on Mon 9 Nov" in moved["text"] and "Chemistry 9 at Mon 9 Nov, 16:00: scheduled" in moved["text"]
    with db.uow(readonly=True) as uow:  # planned from the schedule; looking made no session row
        assert uow.session.scalar(select(func.count()).select_from(ClassSession).where(
            ClassSession.on_date == date(2026, 11, 9))) == 0
    qid = await client.press_button(chat, listing["message_id"], "atd:2027-06-01", forge=True)
    await client.callback_answer(qid, wait=5)  # outside the window: back to today, nothing breaks
