"""Stale messages are mended, over the sandbox: a sheet submitted on the web turns its chat copy into
"submitted" with no buttons; a person has one live card per task; an approved task keeps the name."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.delivery import DeliveryConfig
from domain.actors import Actor
from domain.attendance import batches, schedule
from domain.clock import FixedClock
from domain.groups import services as groups
from domain.models import ClassSession, Notification, Role
from domain.tasks import services as tasks
from tests.auxil import databases
from tests.auxil.telegram import start_bot
from tests.auxil.web import KEYS, make_deps
from tests.auxil.web import client as web_client
from tests.factories import sandbox_person
from web.security import csrf_token

pytestmark = pytest.mark.asyncio(loop_scope="module")
MONDAY_OPENING = datetime(2026, 11, 2, 15, 50, tzinfo=UTC)  # 15:50 London, class at 16:00
SAME_ORIGIN = {"origin": "http://taskbell.test"}


@pytest.fixture(scope="module")
def db(tmp_path_factory, sqlite_template):
    """A database of this module's own: the bot runs across its tests."""
    yield from databases.module_database(tmp_path_factory.mktemp("mend"), sqlite_template,
                                         FixedClock(MONDAY_OPENING))


@pytest.fixture(scope="module")
async def org(db, client):
    made = {}
    roles = [("teacher", Role.TEACHER), ("s0", Role.STUDENT), ("s1", Role.STUDENT)]
    for i, (key, role) in enumerate(roles):
        made[key] = await sandbox_person(db, client, first_name=key.title(), name=f"{key.title()} Person",
                                         phone=f"+44770094{i:04d}", role=role)
    batch = batches.create_batch(db.uow(), Actor.system(), name="Biology 8", teacher_ids=[made["teacher"].id])
    batches.add_slot(db.uow(), Actor.system(), batch.id, weekday=0, start="16:00", duration_minutes=60)
    for key in ("s0", "s1"):
        batches.enrol(db.uow(), Actor.system(), batch.id, made[key].id, date(2026, 10, 1))
    schedule.ensure_sessions(db.uow(), date(2026, 11, 2), date(2026, 11, 2), "Europe/London")
    groups.create_group(db.uow(), Actor.telegram(made["teacher"].id), "Biology set",
                        [made["s0"].id, made["s1"].id])
    return made


@pytest.fixture(scope="module")
async def running(db, sandbox, org):
    bot = await start_bot(db, sandbox.url, delivery=DeliveryConfig(idle_poll=0.05, backoff_base=0.05))
    runner = asyncio.create_task(bot.delivery.run())
    yield bot
    await bot.stop()
    await runner


async def recorded(db, kind: str, subject_id: int) -> None:
    """Wait until the delivery loop has recorded the message id of what it sent (its flush)."""
    for _ in range(200):
        with db.uow(readonly=True) as uow:
            if uow.session.scalar(select(func.count()).select_from(Notification).where(
                    Notification.kind == kind, Notification.subject_id == subject_id,
                    Notification.telegram_message_id.is_not(None))):
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {kind} recorded for {subject_id}")


def sheet_session(db) -> int:
    with db.uow(readonly=True) as uow:
        return uow.session.scalars(select(ClassSession.id)).one()


def buttons(message: dict) -> list[dict]:
    return [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


async def message_until(client, chat_id: int, message_id: int, condition, timeout: float = 15) -> dict:
    """The message as it is once `condition` holds (edits arrive through the delivery loop)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        now = next(m for m in await client.messages(chat_id) if m["message_id"] == message_id)
        if condition(now):
            return now
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"message {message_id} never changed as expected: {now}")
        await asyncio.sleep(0.05)


async def bot_message_with(client, chat_id: int, text: str, after: int = 0) -> dict:
    message = await client.wait_for_bot_message(chat_id, after, timeout=15)
    while text not in message["text"]:
        message = await client.wait_for_bot_message(chat_id, message["message_id"], timeout=15)
    return message


async def test_a_sheet_submitted_on_the_web_mends_its_chat_copy(running, client, db, org):
    teacher_chat = org["teacher"].telegram_chat_id
    assert len(schedule.open_due(db.uow())) == 1
    sheet = await bot_message_with(client, teacher_chat, "Biology 8")
    link = next(b["url"] for b in buttons(sheet) if b.get("url", "").startswith("http"))
    assert any(b["text"] == "Submit" for b in buttons(sheet))
    token = link.rsplit("/", 1)[1]
    await recorded(db, "attendance_sheet", sheet_session(db))

    async with web_client(make_deps(db)) as http:  # the teacher opens the sheet's link and submits there
        body = {"csrf": csrf_token(KEYS, token), f"mark-{org['s1'].id}": "absent",
                f"mark-{org['s0'].id}": "present"}
        done = await http.post(f"/attendance/sheet/{token}", data=body, headers=SAME_ORIGIN)
    assert done.status_code == 200, done.text

    mended = await message_until(client, teacher_chat, sheet["message_id"], lambda m: "submitted" in m["text"])
    assert "Attendance is submitted." in mended["text"] and "1 present · 1 absent" in mended["text"]
    assert buttons(mended) == []  # no live buttons left
    assert len(mended["edits"]) >= 1
    later = [m for m in await client.bot_messages(teacher_chat) if m["message_id"] > sheet["message_id"]]
    assert not any("Attendance is submitted" in m["text"] for m in later)  # edited, not sent again


async def test_a_reopened_task_leaves_one_live_card(running, client, db, org):
    teacher, s0 = org["teacher"], org["s0"]
    tasks.assign(db.uow(), Actor.telegram(teacher.id), tasks.AssignmentSpec(
        title="Leaf drawing", person_ids=[s0.id], requires_review=True,
        due_at=db.clock.now() + timedelta(days=2)))
    chat = s0.telegram_chat_id
    first = await bot_message_with(client, chat, "Leaf drawing")
    assert any(b["text"] == "Complete" for b in buttons(first))
    task_id = int(next(b["callback_data"] for b in buttons(first) if b["text"] == "Complete").rsplit(":", 1)[1])

    await recorded(db, "task_assigned", task_id)
    tasks.complete_task(db.uow(), Actor.telegram(s0.id), task_id)
    await message_until(client, chat, first["message_id"], lambda m: "Awaiting review" in m["text"])
    tasks.reopen_task(db.uow(), Actor.telegram(teacher.id), task_id, "Label the veins")

    newer = await bot_message_with(client, chat, "reopened", after=first["message_id"])
    assert "Reason: Label the veins" in newer["text"] and "Reopened" in newer["text"]
    assert any(b["text"] == "Complete" for b in buttons(newer))
    old = await message_until(client, chat, first["message_id"], lambda m: "newer message" in m["text"])
    assert "Leaf drawing" in old["text"] and buttons(old) == []
    live = [m for m in await client.bot_messages(chat) if "Leaf drawing" in m["text"] and buttons(m)]
    assert [m["message_id"] for m in live] == [newer["message_id"]]

    # A later change edits the live card, not the retired one.
    await recorded(db, "task_reopened", task_id)
    tasks.complete_task(db.uow(), Actor.telegram(s0.id), task_id)
    await message_until(client, chat, newer["message_id"], lambda m: "Awaiting review" in m["text"])
    old_now = next(m for m in await client.messages(chat) if m["message_id"] == first["message_id"])
    assert "newer message" in old_now["text"]


async def test_an_approved_task_keeps_the_persons_name(running, client, db, org):
    teacher, s1 = org["teacher"], org["s1"]
    tasks.assign(db.uow(), Actor.telegram(teacher.id), tasks.AssignmentSpec(
        title="Cell diagram", person_ids=[s1.id], requires_review=True))
    card = await bot_message_with(client, s1.telegram_chat_id, "Cell diagram")
    assert "No due time" in card["text"]
    task_id = int(next(b["callback_data"] for b in buttons(card) if b["text"] == "Complete").rsplit(":", 1)[1])
    tasks.complete_task(db.uow(), Actor.telegram(s1.id), task_id)

    teacher_chat = teacher.telegram_chat_id
    review = await bot_message_with(client, teacher_chat, "completed Cell diagram")
    approve = next(b["callback_data"] for b in buttons(review) if b["text"] == "Approve")
    qid = await client.press_button(teacher_chat, review["message_id"], approve)
    assert (await client.callback_answer(qid, wait=5))["text"] == "Approved."
    approved = await message_until(client, teacher_chat, review["message_id"], lambda m: "Approved" in m["text"])
    assert "S1 Person completed Cell diagram" in approved["text"] and "Approved by you" in approved["text"]
    assert buttons(approved) == []
