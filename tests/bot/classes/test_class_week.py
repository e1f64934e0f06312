"""/classes in Telegram over the sandbox, on a fixed Wednesday: today's and this week's classes with their
state in local time, and Take attendance on the open one leads to its sheet."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import update

from bot.commands import BY_ROLE
from domain.actors import Actor
from domain.attendance import batches, schedule
from domain.clock import FixedClock
from domain.models import ClassSession, Role, SessionStatus
from tests.auxil import databases
from tests.auxil.telegram import reply_after, start_bot
from tests.factories import sandbox_person

pytestmark = pytest.mark.asyncio(loop_scope="module")
WEDNESDAY = datetime(2026, 11, 4, 16, 10, tzinfo=UTC)  # 16:10 London (GMT): Physics 10 is on


@pytest.fixture(scope="module")
def db(tmp_path_factory, sqlite_template):
    """A database of this module's own, its clock on a Wednesday afternoon."""
    yield from databases.module_database(tmp_path_factory.mktemp("classweek"), sqlite_template, FixedClock(WEDNESDAY))


@pytest.fixture(scope="module")
async def org(db, client) -> dict[str, Any]:
    """Tina teaches Physics 10 (Mon, Wed, Fri 16:00) and Maths 9 (Mon 09:00); Otto teaches Art (Thu).
    Monday's Physics was taken, Monday's Maths missed; Wednesday's Physics is open."""
    made: dict[str, Any] = {}
    roles = [("tina", Role.TEACHER), ("otto", Role.TEACHER), ("admin", Role.ADMIN), ("sam", Role.STUDENT)]
    for i, (key, role) in enumerate(roles):
        made[key] = await sandbox_person(db, client, first_name=key.title(), name=f"{key.title()} Person",
                                         phone=f"+44770098{i:04d}", role=role)
    system = Actor.system()
    physics = batches.create_batch(db.uow(), system, name="Physics 10", teacher_ids=[made["tina"].id])
    maths = batches.create_batch(db.uow(), system, name="Maths 9", teacher_ids=[made["tina"].id])
    art = batches.create_batch(db.uow(), system, name="Art", teacher_ids=[made["otto"].id])
    for weekday in (0, 2, 4):
        batches.add_slot(db.uow(), system, physics.id, weekday=weekday, start="16:00", duration_minutes=60)
    batches.add_slot(db.uow(), system, maths.id, weekday=0, start="09:00", duration_minutes=45)
    batches.add_slot(db.uow(), system, art.id, weekday=3, start="11:00", duration_minutes=60)
    batches.enrol(db.uow(), system, physics.id, made["sam"].id, date(2026, 10, 1))
    schedule.ensure_sessions(db.uow(), date(2026, 11, 2), date(2026, 11, 4), "Europe/London")
    with db.uow() as uow:  # Monday as the scheduler left it
        for batch, status in ((physics.id, SessionStatus.SUBMITTED), (maths.id, SessionStatus.MISSED)):
            uow.session.execute(update(ClassSession).where(ClassSession.batch_id == batch,
                                                           ClassSession.on_date == date(2026, 11, 2))
                                .values(status=status))
        uow.commit()
    [made["open"]] = schedule.open_due(db.uow())
    return made


@pytest.fixture(scope="module")
async def running(db, sandbox, org):
    bot = await start_bot(db, sandbox.url)
    yield bot
    await bot.stop()


async def test_a_teacher_sees_today_and_the_week_with_states(running, client, org):
    chat = org["tina"].telegram_chat_id
    reply = await reply_after(client, chat, client.send_text(chat, "/classes"))
    text = reply["text"]
    assert text.startswith("Your classes this week (Mon 2 Nov to Sun 8 Nov, times in Europe/London)")
    today, rest = text.split("Today, Wed 4 Nov\n")[1].split("\n\n", 1)
    assert today == "🟢 16:00-17:00 Physics 10: open"
    monday = text.split("Mon 2 Nov\n")[1].split("\n\n")[0]
    assert monday == "⚠️ 09:00-09:45 Maths 9: missed\n✅ 16:00-17:00 Physics 10: taken"
    assert "Fri 6 Nov\n🕒 16:00-17:00 Physics 10: upcoming" in rest  # planned from the schedule
    assert "Art" not in text  # not hers
    [[button]] = reply["reply_markup"]["inline_keyboard"]
    assert button["text"] == "Take attendance: Physics 10 (16:00)"

    sheet = await reply_after(client, chat, client.press_button(chat, reply["message_id"], button["callback_data"]))
    assert "Physics 10" in sheet["text"] and "Tap a name" in sheet["text"]
    assert any("Sam Person" in b["text"] for row in sheet["reply_markup"]["inline_keyboard"] for b in row)


async def test_an_admin_sees_every_batch_and_a_student_is_refused(running, client, org):
    admin = org["admin"].telegram_chat_id
    text = (await reply_after(client, admin, client.send_text(admin, "/classes")))["text"]
    assert "Thu 5 Nov\n🕒 11:00-12:00 Art: upcoming" in text and "Physics 10: open" in text
    student = org["sam"].telegram_chat_id
    reply = await reply_after(client, student, client.send_text(student, "/classes"))
    assert reply["text"].startswith("Only ")


async def test_classes_is_in_the_teachers_menu():
    assert "classes" in {name for name, _ in BY_ROLE[Role.TEACHER]}
    assert "classes" not in {name for name, _ in BY_ROLE[Role.STUDENT]}


async def test_a_crowded_week_fits_telegrams_limits():
    """An admin's week of 300 classes with long names: one message within 4,096, at most 20 buttons."""
    from datetime import timedelta

    from bot.handlers.class_week import MAX_BUTTONS, week_message
    from bot.messages.limits import MAX_TEXT, visible
    from domain.attendance.queries import ClassWeek, SessionRow

    monday = date(2026, 11, 2)
    rows = tuple(SessionRow(n, n, "Batch " + "é" * 300, n, monday + timedelta(days=n % 7),
                            WEDNESDAY + timedelta(minutes=n), WEDNESDAY + timedelta(minutes=n + 60),
                            SessionStatus.OPEN if n % 2 else SessionStatus.SCHEDULED) for n in range(1, 301))
    text, markup = week_message(ClassWeek(date(2026, 11, 4), monday, monday + timedelta(days=6), rows),
                                "Europe/London")
    assert visible(text) <= MAX_TEXT and text.endswith("(message cut: too long for Telegram)")
    buttons = [b for row in markup.inline_keyboard for b in row]
    assert len(buttons) == MAX_BUTTONS and all(len(b.callback_data.encode()) <= 64 for b in buttons)
