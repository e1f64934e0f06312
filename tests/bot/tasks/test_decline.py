"""Declining a task in Telegram, over the sandbox: Decline on the card, the reason asked (and checked),
the assigner told with a Reassign button, the task handed to someone else, forged presses refused."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.delivery import DeliveryConfig
from domain.actors import Actor
from domain.clock import SystemClock
from domain.groups import services as groups
from domain.models import Role, Task, TaskEvent, TaskStatus
from domain.tasks import services as tasks
from tests.auxil import databases
from tests.auxil.telegram import start_bot
from tests.bot.tasks.test_tasks import data_of, press, say, task_of
from tests.factories import sandbox_person

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def db(tmp_path_factory, sqlite_template):
    """A database of this module's own: the bot runs across its tests."""
    yield from databases.module_database(tmp_path_factory.mktemp("decline"), sqlite_template, SystemClock())


@pytest.fixture(scope="module")
async def org(db, client):
    """A teacher and a class of three students, linked to sandbox users."""
    made = {}
    for i, (key, role) in enumerate([("teacher", Role.TEACHER), ("sam", Role.STUDENT), ("priya", Role.STUDENT),
                                     ("omar", Role.STUDENT)]):
        made[key] = await sandbox_person(db, client, first_name=key.title(), name=key.title(),
                                         phone=f"+44770093{i:04d}", role=role)
    groups.create_group(db.uow(), Actor.telegram(made["teacher"].id), "Caretakers",
                        [made[k].id for k in ("sam", "priya", "omar")])
    return made


@pytest.fixture(scope="module")
async def running(db, sandbox, org):
    bot = await start_bot(db, sandbox.url, delivery=DeliveryConfig(idle_poll=0.05, backoff_base=0.05))
    runner = asyncio.create_task(bot.delivery.run())
    yield bot
    await bot.stop()
    await runner


async def _card(client, db, org, who: str, title: str) -> tuple[dict, Task]:
    tasks.assign(db.uow(), Actor.telegram(org["teacher"].id), tasks.AssignmentSpec(
        title=title, person_ids=[org[who].id], due_at=db.clock.now() + timedelta(days=2)))
    chat = org[who].telegram_chat_id
    message = await client.wait_for_bot_message(chat, 0, timeout=15)
    while title not in message["text"]:
        message = await client.wait_for_bot_message(chat, message["message_id"], timeout=15)
    return message, task_of(db, org[who].id)


async def _bot_text(client, chat_id: int, text: str) -> dict:
    """The newest bot message in a chat containing `text` (waiting for it to arrive)."""
    for _ in range(100):
        found = [m for m in await client.bot_messages(chat_id) if text in m["text"]]
        if found:
            return found[-1]
        await asyncio.sleep(0.1)
    raise AssertionError(f"no bot message with {text!r}")


def _buttons(message: dict) -> list[str]:
    return [b["text"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


async def test_decline_with_a_reason_tells_the_assigner_who_reassigns(running, client, db, org):
    sam, teacher = org["sam"].telegram_chat_id, org["teacher"].telegram_chat_id
    card, task = await _card(client, db, org, "sam", "Fix the tap")
    assert _buttons(card)[:3] == ["Start", "Complete", "Decline"]
    assert data_of(card, "Decline") == f"dcl:{task.id}"

    ask = await press(client, sam, card, data_of(card, "Decline"), expect_new=True)
    assert "Why do you decline Fix the tap?" in ask["text"] and "Teacher will read it" in ask["text"]
    too_long = await say(client, sam, "x" * 501)
    assert too_long["text"] == "The reason is too long (at most 500 characters)."
    assert task_of(db, org["sam"].id).status == TaskStatus.PENDING
    done = await say(client, sam, "not my area")
    assert done["text"] == "Declined. The person who assigned it has been told."
    assert task_of(db, org["sam"].id).status == TaskStatus.DECLINED

    # Sam's card is mended: declined, the reason, no Start / Complete / Decline any more.
    for _ in range(100):
        mended = next(m for m in await client.bot_messages(sam) if m["message_id"] == card["message_id"])
        if "Declined" in mended["text"]:
            break
        await asyncio.sleep(0.1)
    assert "🙅 Declined" in mended["text"] and "You declined it: not my area" in mended["text"]
    assert _buttons(mended) == ["Open dashboard"]

    # The teacher is told who declined what and why, with Reassign…
    told = await _bot_text(client, teacher, "declined")
    assert told["text"] == "🙅 Sam declined Fix the tap: not my area"
    assert _buttons(told) == ["Reassign…"]
    picker = await press(client, teacher, told, data_of(told, "Reassign"), expect_new=False)
    assert sorted(_buttons(picker)) == ["Omar", "Priya"]  # Sam has this task already
    done = await press(client, teacher, picker, data_of(picker, "Priya"), expect_new=False)
    assert done["text"].endswith("↪️ Reassigned to Priya.") and _buttons(done) == []

    # Priya gets the task as a new card; Sam's stays declined.
    new_card = await _bot_text(client, org["priya"].telegram_chat_id, "Fix the tap")
    assert "Decline" in _buttons(new_card) and "From: Teacher" in new_card["text"]
    assert task_of(db, org["priya"].id).assignment_id == task.assignment_id
    assigned = await say(client, teacher, "/assigned", until="What you assigned")
    assert "Fix the tap" in assigned["text"] and "0 done, 0 in progress, 1 pending, 1 declined" in assigned["text"]
    # A stale Reassign button (pressed again) is refused: the task was already reassigned.
    qid = await client.press_button(teacher, told["message_id"], f"rsp:{task.id}:0", forge=True)
    assert (await client.callback_answer(qid, wait=5))["text"] == "This task was already reassigned."


async def test_cancel_keeps_the_task_and_forged_presses_change_nothing(running, client, db, org):
    omar, priya = org["omar"].telegram_chat_id, org["priya"].telegram_chat_id
    card, task = await _card(client, db, org, "omar", "Sweep the hall")
    ask = await press(client, omar, card, data_of(card, "Decline"), expect_new=True)
    assert "Why do you decline" in ask["text"]
    kept = await say(client, omar, "/cancel")
    assert kept["text"] == "Kept: the task is still yours."
    assert task_of(db, org["omar"].id).status == TaskStatus.PENDING

    def events() -> int:
        with db.uow(readonly=True) as uow:
            return uow.session.scalar(select(func.count()).select_from(TaskEvent))

    before = events()
    priya_card = (await client.bot_messages(priya))[-1]
    for data, told in ((f"dcl:{task.id}", "Only the person this task is for can decline it."),
                       ("dcl:999999", "No such task."),
                       (f"rsp:{task.id}:0", "Only the person who assigned this task or an admin can reassign it."),
                       (f"rst:{task.id}:{org['priya'].id}", "Only the person who assigned this task or an admin")):
        qid = await client.press_button(priya, priya_card["message_id"], data, forge=True)
        answer = await client.callback_answer(qid, wait=5)
        assert answer is not None and told in answer["text"], data
    assert events() == before

    # Once started, the task can no longer be declined (the card's button is gone; a stale press is told).
    tasks.start_task(db.uow(), Actor.telegram(org["omar"].id), task.id)
    qid = await client.press_button(omar, card["message_id"], f"dcl:{task.id}", forge=True)
    answer = await client.callback_answer(qid, wait=5)
    assert answer["text"] == "This task is in progress; only a pending task can be declined."
