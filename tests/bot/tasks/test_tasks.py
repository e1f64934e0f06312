"""Tasks end to end in Telegram: /assign, delivery, Start/Complete edits, forged and double presses."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.delivery import DeliveryConfig
from domain.actors import Actor
from domain.clock import SystemClock
from domain.groups import services as groups
from domain.models import Role, Task, TaskEvent, TaskStatus
from tests.auxil import databases
from tests.auxil.telegram import start_bot
from tests.factories import sandbox_person

pytestmark = pytest.mark.asyncio(loop_scope="module")



@pytest.fixture(scope="module")
def db(tmp_path_factory, sqlite_template):
    """A database of this module's own: the bot runs across its tests."""
    yield from databases.module_database(tmp_path_factory.mktemp("tasks"), sqlite_template, SystemClock())



@pytest.fixture(scope="module")
async def org(db, client):
    """A teacher with two overlapping groups of students, all linked to sandbox users."""
    made = {}
    for i, (key, role) in enumerate([("teacher", Role.TEACHER)] + [(f"s{n}", Role.STUDENT) for n in range(5)]):
        made[key] = await sandbox_person(db, client, first_name=key.title(), name=f"{key.title()} Person",
                                         phone=f"+44770092{i:04d}", role=role)
    teacher = Actor.telegram(made["teacher"].id)
    made["g1"] = groups.create_group(db.uow(), teacher, "Physics A", [made[f"s{n}"].id for n in range(3)])
    made["g2"] = groups.create_group(db.uow(), teacher, "Physics B", [made[f"s{n}"].id for n in range(2, 5)])
    return made


@pytest.fixture(scope="module")
async def running(db, sandbox, org):
    bot = await start_bot(db, sandbox.url, delivery=DeliveryConfig(idle_poll=0.05, backoff_base=0.05))
    runner = asyncio.create_task(bot.delivery.run())
    yield bot
    await bot.stop()
    await runner


async def last_bot_message(client, chat_id: int) -> dict:
    return (await client.bot_messages(chat_id))[-1]


async def say(client, chat_id: int, text: str, until: str = "") -> dict:
    """Send text; return the bot's first reply after it (containing `until`, if given)."""
    last = max([m["message_id"] for m in await client.messages(chat_id)], default=0)
    await client.send_text(chat_id, text)
    reply = await client.wait_for_bot_message(chat_id, last + 1, timeout=10)
    while until not in reply["text"]:
        reply = await client.wait_for_bot_message(chat_id, reply["message_id"], timeout=10)
    return reply


async def press(client, chat_id: int, message: dict, data: str, *, expect_new: bool) -> dict:
    """Press a button; return the next new bot message, or the same message once edited."""
    chat = await client.chat(chat_id)
    last = max(m["message_id"] for m in chat["messages"])
    await client.press_button(chat_id, message["message_id"], data)
    if expect_new:
        return await client.wait_for_bot_message(chat_id, last, timeout=10)
    before = next(m for m in chat["messages"] if m["message_id"] == message["message_id"])
    version = chat["version"]
    while True:  # other messages may change first (deliveries): wait for this one to be edited
        chat = await client.wait_for_change(chat_id, version, timeout=10)
        version = chat["version"]
        now = next(m for m in chat["messages"] if m["message_id"] == message["message_id"])
        if len(now["edits"]) > len(before["edits"]) or now["text"] != before["text"]:
            return now


def data_of(message: dict, text_start: str) -> str:
    for row in message["reply_markup"]["inline_keyboard"]:
        for button in row:
            if button["text"].startswith(text_start) or text_start in button["text"]:
                return button["callback_data"]
    raise AssertionError(f"no button {text_start!r} in {message['reply_markup']}")


def task_of(db, person_id: int) -> Task:
    with db.uow(readonly=True) as uow:
        return uow.session.scalars(select(Task).where(Task.assignee_id == person_id)
                                   .order_by(Task.id.desc()).limit(1)).one()


async def test_assign_to_overlapping_groups_then_start_and_complete(running, client, db, org):
    chat = org["teacher"].telegram_chat_id
    assert "title" in (await say(client, chat, "/assign"))["text"]
    ask_description = await say(client, chat, "Lab report: pendulum")
    recipients = await press(client, chat, ask_description, "as:skip", expect_new=True)
    assert "Who is it for?" in recipients["text"]
    recipients = await press(client, chat, recipients, data_of(recipients, "Physics A"), expect_new=False)
    recipients = await press(client, chat, recipients, data_of(recipients, "Physics B"), expect_new=False)
    assert "2 groups" in data_of(recipients, "Done") or "Done (2 groups" in str(recipients["reply_markup"])
    due = await press(client, chat, recipients, "as:done", expect_new=True)
    assert "When is it due?" in due["text"]
    priority = await say(client, chat, "2099-12-01 09:00")
    assert priority["text"] == "Priority?"
    review = await press(client, chat, priority, "as:pr:high", expect_new=True)
    summary = await press(client, chat, review, "as:rv:0", expect_new=True)
    assert "Lab report: pendulum" in summary["text"] and "Physics A" in summary["text"]
    done = await press(client, chat, summary, "as:ok", expect_new=False)
    assert "to 5 people" in done["text"]

    # Each student gets exactly one message about it.
    for n in range(5):
        student_chat = org[f"s{n}"].telegram_chat_id
        message = await client.wait_for_bot_message(student_chat, 0, timeout=15)
        assert "Lab report: pendulum" in message["text"]
    await asyncio.sleep(0)
    for n in range(5):
        assert len(await client.bot_messages(org[f"s{n}"].telegram_chat_id)) == 1

    # A student presses Start, then Complete: the same message is edited in place.
    s0 = org["s0"].telegram_chat_id
    card = await last_bot_message(client, s0)
    task = task_of(db, org["s0"].id)
    started = await press(client, s0, card, f"task:start:{task.id}", expect_new=False)
    assert "In progress" in started["text"]
    assert "task:start" not in str(started["reply_markup"])
    teacher_before = len(await client.bot_messages(chat))
    completed = await press(client, s0, started, f"task:complete:{task.id}", expect_new=False)
    assert "Done" in completed["text"]
    assert [b["text"] for row in completed["reply_markup"]["inline_keyboard"] for b in row] == ["Open dashboard"]
    assert len(await client.bot_messages(s0)) == 1

    # The teacher hears of it, with the group's progress.
    news = await client.wait_for_bot_message(chat, max(m["message_id"] for m in await client.messages(chat)) - 1
                                             if teacher_before else 0, timeout=15)
    while "completed" not in news["text"]:
        news = await client.wait_for_bot_message(chat, news["message_id"], timeout=15)
    assert "Student S0 Person" in news["text"] or "S0 Person" in news["text"]
    assert "(1 of 5 done)" in news["text"]


async def test_forged_stale_and_double_presses_change_nothing(running, client, db, org):
    s1, s2 = org["s1"], org["s2"]
    mine, theirs = task_of(db, s1.id), task_of(db, s2.id)
    card = await last_bot_message(client, s1.telegram_chat_id)

    def events() -> int:
        with db.uow(readonly=True) as uow:
            return uow.session.scalar(select(func.count()).select_from(TaskEvent))

    before = events()
    for data in (f"task:complete:{theirs.id}", "task:complete:abc", "task:explode:1",
                 "task:complete:" + "9" * 60):
        qid = await client.press_button(s1.telegram_chat_id, card["message_id"], data, forge=True)
        answer = await client.callback_answer(qid, wait=5)
        assert answer is not None and answer["text"], data
    assert events() == before
    assert task_of(db, s2.id).status == TaskStatus.PENDING

    # Reopen is authorised by the domain (tasks.review) before any reason is asked, and before the task is
    # looked up: a student learns nothing of whether a task exists; nothing crashes.
    for data, told in ((f"task:reopen:{theirs.id}", "Only admin, teacher can do this."),
                       ("task:reopen:999999", "Only admin, teacher can do this.")):
        qid = await client.press_button(s1.telegram_chat_id, card["message_id"], data, forge=True)
        answer = await client.callback_answer(qid, wait=5)
        assert answer is not None and told in answer["text"], data

    # Two quick presses of Complete: one transition, the second told it is already done.
    data = f"task:complete:{mine.id}"
    q1 = await client.press_button(s1.telegram_chat_id, card["message_id"], data)
    q2 = await client.press_button(s1.telegram_chat_id, card["message_id"], data, forge=True)
    answers = {(await client.callback_answer(q, wait=5))["text"] for q in (q1, q2)}
    assert answers == {"Done. Well done!", "Already done."}
    with db.uow(readonly=True) as uow:
        done_events = uow.session.scalar(select(func.count()).select_from(TaskEvent).where(
            TaskEvent.task_id == mine.id, TaskEvent.to_status == TaskStatus.DONE))
    assert done_events == 1


async def test_tasks_lists_my_open_work_with_buttons(running, client, db, org):
    s3 = org["s3"].telegram_chat_id
    reply = await say(client, s3, "/tasks", until="open tasks")
    assert "Your open tasks" in reply["text"] and "Lab report: pendulum" in reply["text"]
    task = task_of(db, org["s3"].id)
    after = await press(client, s3, reply, f"task:complete:{task.id}:l0", expect_new=False)
    assert "no open tasks" in after["text"]


async def test_students_are_refused_assign_and_assigned_by_the_domain(running, client, db, org):
    chat = org["s0"].telegram_chat_id
    reply = await say(client, chat, "/assigned", until="assign")
    assert reply["text"] == "Only teachers and admins assign tasks."
    reply = await say(client, chat, "/assign", until="assign")
    assert reply["text"] == "Only teachers and admins can assign tasks."


async def test_assigned_shows_counts_and_cancels_the_rest(running, client, db, org):
    chat = org["teacher"].telegram_chat_id
    reply = await say(client, chat, "/assigned", until="What you assigned")
    assert "Lab report: pendulum" in reply["text"] and "3 done" in reply["text"]
    sure = await press(client, chat, reply, data_of(reply, "Cancel"), expect_new=False)
    after = await press(client, chat, sure, data_of(sure, "Yes"), expect_new=False)
    assert after["reply_markup"] is None or not after["reply_markup"].get("inline_keyboard")
    assert task_of(db, org["s4"].id).status == TaskStatus.CANCELLED
    assert task_of(db, org["s0"].id).status == TaskStatus.DONE


async def test_review_reopen_asks_for_a_reason_the_assignee_reads(running, client, db, org):
    from datetime import timedelta

    from domain.tasks import services as task_service

    teacher, s2 = org["teacher"], org["s2"]
    task_service.assign(db.uow(), Actor.telegram(teacher.id), task_service.AssignmentSpec(
        title="Lab notebook", person_ids=[s2.id], requires_review=True,
        due_at=db.clock.now() + timedelta(days=2)))
    chat = s2.telegram_chat_id
    card = await client.wait_for_bot_message(chat, (await last_bot_message(client, chat))["message_id"] - 1,
                                             timeout=15)
    while "Lab notebook" not in card["text"]:
        card = await client.wait_for_bot_message(chat, card["message_id"], timeout=15)
    task = task_of(db, s2.id)
    done = await press(client, chat, card, f"task:complete:{task.id}", expect_new=False)
    assert "Awaiting review" in done["text"]

    teacher_chat = teacher.telegram_chat_id
    review = await last_bot_message(client, teacher_chat)
    while "Lab notebook" not in review["text"]:
        review = await client.wait_for_bot_message(teacher_chat, review["message_id"], timeout=15)
    assert "needs your review" in review["text"]
    ask = await press(client, teacher_chat, review, data_of(review, "Reopen"), expect_new=True)
    assert "Why reopen" in ask["text"]
    too_long = await say(client, teacher_chat, "x" * 1001, until="too long")
    assert too_long["text"].startswith("The reason is too long")  # still asking: the next text is the reason
    confirm = await say(client, teacher_chat, "Add the graph for part 2", until="reason was sent")
    assert confirm["text"].startswith("Reopened.")
    for _ in range(100):  # the review message is mended just after the reply
        mended = next(m for m in await client.messages(teacher_chat) if m["message_id"] == review["message_id"])
        if "Reopened" in mended["text"]:
            break
        await asyncio.sleep(0.05)
    assert "S2 Person completed Lab notebook" in mended["text"] and "Reopened by you" in mended["text"]
    assert not (mended.get("reply_markup") or {}).get("inline_keyboard")  # no stale Approve / Reopen
    told = await client.wait_for_bot_message(chat, done["message_id"], timeout=15)
    while "reopened" not in told["text"]:
        told = await client.wait_for_bot_message(chat, told["message_id"], timeout=15)
    assert "Reason: Add the graph for part 2" in told["text"]
    assert task_of(db, s2.id).status == TaskStatus.IN_PROGRESS


async def test_the_sender_is_looked_up_once_per_update(running, client, db, org):
    """A Start press in /tasks runs two handlers' worth of code (the button, then the list): one lookup."""
    from datetime import timedelta

    from sqlalchemy import event

    from domain.tasks import services as task_service

    s4 = org["s4"]
    task_service.assign(db.uow(), Actor.telegram(org["teacher"].id), task_service.AssignmentSpec(
        title="Read chapter 3", person_ids=[s4.id], due_at=db.clock.now() + timedelta(days=1)))
    reply = await say(client, s4.telegram_chat_id, "/tasks", until="open tasks")
    lookups: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if "people.telegram_user_id =" in statement:
            lookups.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        after = await press(client, s4.telegram_chat_id, reply, data_of(reply, "Start 1"), expect_new=False)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert "In progress" in after["text"]
    assert len(lookups) == 1


async def test_a_task_at_the_input_limits_is_delivered_cut_to_telegrams_4096(running, client, db, org):
    """A 200-character title (emoji in it) and a 4,000-character description: the summary and every
    card arrive (the sandbox answers 400 "message is too long" as Telegram does), cut with a pointer."""
    from bot.messages.limits import MAX_TEXT, units

    chat = org["teacher"].telegram_chat_id
    title = ("🧪 Long " * 40)[:199].rstrip().ljust(200, "x")
    description = ("Read pages 1 to 400, 😀 then take notes and summarise them. " * 120)[:3999].rstrip().ljust(4000, ".")
    assert len(title) == 200 and len(description) == 4000 and units(description) <= 4096
    await say(client, chat, "/assign", until="title")
    ask_description = await say(client, chat, title, until="description")
    recipients = await say(client, chat, description, until="Who is it for?")
    recipients = await press(client, chat, recipients, data_of(recipients, "Physics B"), expect_new=False)
    due = await press(client, chat, recipients, "as:done", expect_new=True)
    priority = await say(client, chat, "2099-12-01 09:00", until="Priority")
    review = await press(client, chat, priority, "as:pr:high", expect_new=True)
    summary = await press(client, chat, review, "as:rv:0", expect_new=True)
    assert title in summary["text"] and units(summary["text"]) <= MAX_TEXT
    done = await press(client, chat, summary, "as:ok", expect_new=False)
    assert "to 3 people" in done["text"], done["text"]
    for n in (2, 3, 4):
        student = org[f"s{n}"].telegram_chat_id
        card = await last_bot_message(client, student)
        for _ in range(100):
            if title in card["text"]:
                break
            await asyncio.sleep(0.1)
            card = await last_bot_message(client, student)
        assert title in card["text"], f"student s{n} did not get the task"
        assert units(card["text"]) <= MAX_TEXT
        assert "the full text is on your dashboard" in card["text"]
        assert "Due:" in card["text"] and "Open dashboard" in str(card["reply_markup"])
    assert ask_description and due


async def test_an_emoji_heavy_description_from_the_api_is_delivered(running, client, db, org):
    """4,000 emoji (8,000 UTF-16 units) in a description, assigned by a service call: delivered, cut."""
    from bot.messages.limits import MAX_TEXT, units
    from domain.tasks import services as tasks

    s4 = org["s4"]
    tasks.assign(db.uow(), Actor.telegram(org["teacher"].id), tasks.AssignmentSpec(
        title="Emoji " + "🎉" * 190, description="👩‍👩‍👧" * 800, person_ids=[s4.id]))
    for _ in range(150):
        card = await last_bot_message(client, s4.telegram_chat_id)
        if card["text"].startswith("Emoji 🎉"):
            break
        await asyncio.sleep(0.1)
    assert card["text"].startswith("Emoji 🎉"), "the task was not delivered"
    assert units(card["text"]) <= MAX_TEXT and "the full text is on your dashboard" in card["text"]


async def test_typed_text_with_a_nul_byte_is_refused_before_any_handler(running, client, db, org):
    """The bot's text guard: a NUL (PostgreSQL cannot store it) is refused with the reason; the /assign
    conversation waiting for a title stays where it was."""
    chat = org["teacher"].telegram_chat_id
    await say(client, chat, "/assign", until="title")
    reply = await say(client, chat, "Lab\x00report", until="contains")
    assert reply["text"].startswith("Your message contains a NUL byte; nothing was done.")
    reply = await say(client, chat, "Lab report two", until="description")
    assert "description" in reply["text"]
    await say(client, chat, "/cancel")
