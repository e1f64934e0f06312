"""The bot in groups and supergroups: every command it registers, sent by linked people of every role, gets
a brief answer with a button to the private chat, and no group message carries anything personal."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.callbacks import TaskButton, encode
from bot.commands import BY_ROLE, registered_commands
from bot.delivery import DeliveryConfig
from bot.messages.account import GROUP_BUTTON_REFUSED, PRIVATE_ONLY
from domain.actors import Actor
from domain.attendance import batches, schedule, sheet
from domain.clock import FixedClock
from domain.models import Mark, Role, Task, TaskStatus
from domain.people import services as people
from tests.auxil import databases
from tests.auxil.telegram import reply_after, start_bot
from tests.factories import assign_one, sandbox_person

pytestmark = pytest.mark.asyncio(loop_scope="module")
DURING_CLASS = datetime(2026, 11, 2, 16, 30, tzinfo=UTC)  # Monday, 16:30 London: Physics 10 is on
ROLES = {"admin": Role.ADMIN, "teacher": Role.TEACHER, "student": Role.STUDENT, "parent": Role.PARENT}
NAMES = {"admin": "Asha Adminson", "teacher": "Tina Teachwell", "student": "Sami Studentova",
         "parent": "Pat Parentley"}
TITLES = ("Essay on Kepler's laws", "Mark the mock exams")
KINDS = ("group", "supergroup")
DEEP_LINK = "https://t.me/taskbell_bot?start="


@pytest.fixture(scope="module")
def db(tmp_path_factory, sqlite_template):
    """A database of this module's own: the bot runs across its tests."""
    yield from databases.module_database(tmp_path_factory.mktemp("groups"), sqlite_template,
                                         FixedClock(DURING_CLASS))


@pytest.fixture(scope="module")
async def org(db, client) -> dict[str, Any]:
    """One linked person per role; the parent's child in the teacher's class, marked absent; two tasks."""
    made: dict[str, Any] = {}
    for i, (key, role) in enumerate(ROLES.items()):
        made[key] = await sandbox_person(db, client, first_name=NAMES[key].split()[0], name=NAMES[key],
                                         phone=f"+44770094{i:04d}", role=role)
    system = Actor.system()
    people.link_parent(db.uow(), system, made["parent"].id, made["student"].id)
    batch = batches.create_batch(db.uow(), system, name="Physics 10", teacher_ids=[made["teacher"].id])
    batches.add_slot(db.uow(), system, batch.id, weekday=0, start="16:00", duration_minutes=60)
    batches.enrol(db.uow(), system, batch.id, made["student"].id, date(2026, 10, 1))
    schedule.ensure_sessions(db.uow(), date(2026, 11, 2), date(2026, 11, 16), "Europe/London")
    [today] = schedule.open_due(db.uow())
    sheet.submit_marks(db.uow(), Actor.telegram(made["teacher"].id), today, {made["student"].id: Mark.ABSENT})
    made["task"] = assign_one(db, made["admin"], made["student"], TITLES[0])
    assign_one(db, made["admin"], made["teacher"], TITLES[1])
    return made


@pytest.fixture(scope="module")
async def running(db, sandbox, org):
    bot = await start_bot(db, sandbox.url, delivery=DeliveryConfig(idle_poll=0.05))
    runner = asyncio.create_task(bot.delivery.run())
    await bot.delivery.drain()
    yield bot
    await bot.stop()
    await runner


def personal_data(org: dict[str, Any], message: dict[str, Any]) -> list[str]:
    """What in a bot message is personal: phones, links other than t.me, codes, titles, names, actions."""
    text = message.get("text") or ""
    found = [f"phone {p.phone}" for key in ROLES if (p := org[key]).phone in text]
    found += [f"number {m}" for m in re.findall(r"\+?\d[\d ]{7,}\d", text)]
    found += [f"code {m}" for m in re.findall(r"(?<!\d)\d{6}(?!\d)", text)]
    found += [f"link {m}" for m in re.findall(r"https?://\S+", text) if not m.startswith("https://t.me/")]
    found += [f"title {t}" for t in TITLES if t in text]
    found += [f"name {n}" for n in NAMES.values() if n in text or n.split()[1] in text]
    found += [f"class {c}" for c in ("Physics 10",) if c in text]
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            url = button.get("url")
            if url is not None and not url.startswith("https://t.me/"):
                found.append(f"button link {url}")
            if "callback_data" in button:
                found.append(f"action button {button['text']!r}")
    return found


@pytest.fixture(scope="module")
async def group_answers(running, client, org) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    """Each registered command, from each role, in a group and in a supergroup of its own (so that the
    group's 20-a-minute limit does not slow the test); the bot's messages there, per (kind, role, command)."""
    commands = sorted(registered_commands(running.app))
    cases = [(kind, role, command) for kind in KINDS for role in ROLES for command in commands]

    async def one(kind: str, role: str, command: str) -> list[dict[str, Any]]:
        user = org[role].telegram_user_id
        group = await client.create_group(f"{role} {command}", [user], supergroup=kind == "supergroup")
        sent = await client.send_text(user, f"/{command}", chat_id=group["id"])
        try:
            await client.wait_for_bot_message(group["id"], sent["message_id"], timeout=30)  # ~400 at once
        except TimeoutError:
            return []
        await asyncio.sleep(0.5)  # a second message, if the command sends more than one
        return await client.bot_messages(group["id"])

    answers = await asyncio.gather(*(one(*case) for case in cases))
    return dict(zip(cases, answers, strict=True))


async def test_every_command_is_covered(running):
    commands = registered_commands(running.app)
    assert {"web", "revoke", "me", "tasks", "assigned", "myattendance", "absent", "brief", "inbox"} <= commands
    assert {name for menu in BY_ROLE.values() for name, _ in menu} <= commands  # menus offer only real ones


async def test_no_group_message_carries_personal_data(group_answers, org):
    leaks = {f"/{command}": personal_data(org, m)
             for (_kind, _role, command), messages in group_answers.items() for m in messages
             if personal_data(org, m)}
    print(f"\ngroup-chat leaks: {len(leaks)} command(s) {sorted(leaks)}")
    assert leaks == {}


async def test_every_command_gets_a_brief_answer_with_the_private_chat_button(group_answers):
    for (kind, role, command), messages in group_answers.items():
        assert len(messages) == 1, (kind, role, command, messages)
        answer = messages[0]
        assert answer["text"] == PRIVATE_ONLY.format(command=command), (kind, role, command)
        buttons = [b for row in answer["reply_markup"]["inline_keyboard"] for b in row]
        assert [b["url"] for b in buttons] == [f"{DEEP_LINK}cmd-{command}"], (kind, role, command)


async def test_a_button_pressed_in_a_group_is_refused_without_an_edit(running, client, org, db, group_answers):
    student = org["student"].telegram_user_id
    group = await client.create_group("Class chat", [student], supergroup=True)
    sent = await client.send_text(student, "/tasks@taskbell_bot", chat_id=group["id"])
    answer = await client.wait_for_bot_message(group["id"], sent["message_id"], timeout=8)
    before = await client.chat(group["id"])
    qid = await client.press_button(group["id"], answer["message_id"], encode(TaskButton("complete", org["task"])),
                                    user_id=student, forge=True)
    alert = await client.callback_answer(qid, wait=5)
    assert alert == {**alert, "text": GROUP_BUTTON_REFUSED, "show_alert": True}
    assert (await client.chat(group["id"]))["version"] == before["version"]  # nothing edited or sent
    with db.uow(readonly=True) as uow:
        assert uow.session.get(Task, org["task"]).status == TaskStatus.PENDING


async def test_commands_addressed_to_another_bot_or_plain_chatter_get_no_answer(running, client, org):
    teacher = org["teacher"].telegram_user_id
    group = await client.create_group("Staff room", [teacher])
    for text in ("/web@some_other_bot", "hello all", "/nosuchcommand"):
        await client.send_text(teacher, text, chat_id=group["id"])
    last = await client.send_text(teacher, "/web@taskbell_bot", chat_id=group["id"])
    answer = await client.wait_for_bot_message(group["id"], 0, timeout=8)
    assert answer["reply_to_message_id"] == last["message_id"]  # only the command meant for us
    assert answer["text"] == PRIVATE_ONLY.format(command="web")


async def test_notifications_go_to_private_chats_only(running, client, org, db, group_answers):
    groups = [c["id"] for c in (await client._get("/chats"))["chats"] if c["id"] < 0]
    before = {g: len(await client.messages(g)) for g in groups}
    student = org["student"].telegram_chat_id
    last = max((m["message_id"] for m in await client.messages(student)), default=0)
    assign_one(db, org["admin"], org["student"], "Read chapter 3")
    running.delivery.wake()
    card = await client.wait_for_bot_message(student, last, timeout=10)
    assert "Read chapter 3" in card["text"]
    await running.delivery.drain()
    assert {g: len(await client.messages(g)) for g in groups} == before


async def test_the_deep_link_opens_the_private_chat_with_a_pointer(running, client, org):
    user = org["teacher"].telegram_user_id
    hello = await reply_after(client, user, client.send_text(user, "/start cmd-web"))
    assert hello["text"].startswith(f"Hello again, {NAMES['teacher']}")
    assert "/web" in hello["text"]


async def until_quiet(client, chat: int, after: int, quiet: float = 1.5) -> None:
    """Wait until the bot has sent nothing more to the chat for `quiet` seconds (it sends 1 a second)."""
    while True:
        try:
            after = (await client.wait_for_bot_message(chat, after, timeout=quiet))["message_id"]
        except TimeoutError:
            return


async def private_run(client, org: dict[str, Any], role: str, commands: list[str]) -> None:
    """Every command in the person's private chat, one after the other: each answers, as before."""
    user = org[role].telegram_user_id
    for command in commands:
        reply = await reply_after(client, user, client.send_text(user, f"/{command}"))
        assert reply["text"] != PRIVATE_ONLY.format(command=command), (role, command)
        assert "went wrong" not in reply["text"], (role, command)
        await until_quiet(client, user, reply["message_id"])  # /inbox sends more than one message
        if command in ("assign", "absent"):
            sent = await client.send_text(user, "/cancel")
            await until_quiet(client, user, sent["message_id"])
    messages = await client.bot_messages(user)
    texts = "\n".join(m["text"] or "" for m in messages)
    assert org[role].phone in texts, role  # /me
    urls = [b.get("url", "") for m in messages for row in (m["reply_markup"] or {}).get("inline_keyboard", [])
            for b in row]
    assert any("/login/link/" in u for u in urls), role  # /web


async def test_the_same_commands_still_work_in_the_private_chat(running, client, org, group_answers):
    commands = sorted(registered_commands(running.app) - {"cancel"})  # /cancel only answers in a conversation
    await asyncio.gather(*(private_run(client, org, role, commands) for role in ROLES))
