"""The bot answers everything it receives: unknown commands, text, media, junk and stale buttons, a long
description; groups are not answered chatter; nothing logs an error."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Update

from bot.delivery import DeliveryConfig
from bot.fallback import (
    BUSY,
    NO_LONGER_VALID,
    NOT_UNDERSTOOD,
    NOTHING_TO_CANCEL,
    OFF_STEP,
    STEP_OVER,
)
from bot.messages.limits import MAX_TEXT, units
from domain.actors import Actor
from domain.clock import FixedClock
from domain.groups import services as groups
from domain.models import Role, Task
from tests.auxil import databases
from tests.auxil.telegram import start_bot
from tests.factories import sandbox_person

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def db(tmp_path_factory, sqlite_template):
    """A database of this module's own: the bot runs across its tests."""
    yield from databases.module_database(tmp_path_factory.mktemp("fallback"), sqlite_template,
                                         FixedClock(datetime(2026, 12, 7, 10, 0, tzinfo=UTC)))


@pytest.fixture(scope="module")
async def org(db, client) -> dict[str, Any]:
    """A teacher with a group of two students, and a parent."""
    made: dict[str, Any] = {}
    roles = [("teacher", Role.TEACHER), ("s0", Role.STUDENT), ("s1", Role.STUDENT), ("parent", Role.PARENT)]
    for i, (key, role) in enumerate(roles):
        made[key] = await sandbox_person(db, client, first_name=key.title(), name=f"{key.title()} Person",
                                         phone=f"+44770097{i:04d}", role=role)
    made["group"] = groups.create_group(db.uow(), Actor.telegram(made["teacher"].id), "Biology",
                                        [made["s0"].id, made["s1"].id])
    return made


@pytest.fixture(scope="module")
async def running(db, sandbox, org):
    bot = await start_bot(db, sandbox.url, delivery=DeliveryConfig(idle_poll=0.05, backoff_base=0.05))
    runner = asyncio.create_task(bot.delivery.run())
    yield bot
    await bot.stop()
    await runner


@pytest.fixture
def errors(caplog):
    """The ERROR records logged during the test (there must be none)."""
    caplog.set_level(logging.INFO)
    yield lambda: [r for r in caplog.records if r.levelno >= logging.ERROR]


async def last_id(client, chat_id: int) -> int:
    return max([m["message_id"] for m in await client.messages(chat_id)], default=0)


async def reply_to(client, chat_id: int, send) -> dict:
    """Do `send` (a coroutine); return the bot's first message after it."""
    last = await last_id(client, chat_id)
    await send
    while True:
        message = await client.wait_for_bot_message(chat_id, last, timeout=10)
        if message["from_bot"]:
            return message
        last = message["message_id"]  # pragma: no cover - the user's own message


async def say(client, chat_id: int, text: str, until: str = "") -> dict:
    reply = await reply_to(client, chat_id, client.send_text(chat_id, text))
    while until not in reply["text"]:
        reply = await client.wait_for_bot_message(chat_id, reply["message_id"], timeout=10)
    return reply


async def press(client, chat_id: int, message: dict, data: str, *, forge: bool = False) -> dict | None:
    """Press a button; the bot's answer to the press ({"text", ...})."""
    qid = await client.press_button(chat_id, message["message_id"], data, forge=forge)
    return await client.callback_answer(qid, wait=10)


def data_of(message: dict, text: str) -> str:
    return next(b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row
                if text in b["text"])


_IDS = iter(range(900_000_000, 900_100_000))


def raw_message(user_id: int, **content: Any) -> dict[str, Any]:
    """A Telegram-shaped update for what the sandbox cannot send (stickers, voice notes, documents)."""
    n = next(_IDS)
    return {"update_id": n, "message": {
        "message_id": n, "date": int(time.time()), "chat": {"id": user_id, "type": "private", "first_name": "T"},
        "from": {"id": user_id, "is_bot": False, "first_name": "T"}, **content}}


FILE = {"file_id": "AgADBAADbqcxG2sVAAFZm", "file_unique_id": "AQADbqcxG2sV"}
MEDIA = {
    "sticker": {**FILE, "type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False},
    "voice": {**FILE, "duration": 3, "mime_type": "audio/ogg"},
    "document": {**FILE, "file_name": "notes.pdf", "mime_type": "application/pdf"},
}


async def test_unknown_command_text_and_media_get_an_answer_by_role(running, client, org, errors):
    teacher, parent = org["teacher"].telegram_chat_id, org["parent"].telegram_chat_id
    reply = await say(client, teacher, "/frobnicate now")
    assert reply["text"].startswith("I do not know the command /frobnicate.") and "/assign" in reply["text"]
    reply = await say(client, parent, "/frobnicate")
    assert "/absent" in reply["text"] and "/assign" not in reply["text"]
    reply = await say(client, teacher, "hello, what now?")
    assert reply["text"].startswith(NOT_UNDERSTOOD) and "/attendance" in reply["text"]
    reply = await say(client, parent, "is my son in class today?")
    assert reply["text"].startswith(NOT_UNDERSTOOD) and "/myattendance" in reply["text"]
    reply = await reply_to(client, teacher, client.send_photo(teacher, caption="look"))
    assert reply["text"] == "File a request with this photo?"  # a photo is the start of a request (bot.handlers.request)
    for kind, words in (("sticker", "a sticker"), ("voice", "a voice note"), ("document", "a document")):
        update = Update.de_json(raw_message(teacher, **{kind: MEDIA[kind]}), running.app.bot)
        reply = await reply_to(client, teacher, running.app.process_update(update))
        assert reply["text"].startswith(f"I cannot read {words}"), reply["text"]
    assert errors() == []


async def test_someone_not_linked_is_told_to_start(running, client, errors):
    user = await client.create_user("Stranger", phone="+447700979999")
    reply = await say(client, user["id"], "hi")
    assert reply["text"].startswith(NOT_UNDERSTOOD) and "/start" in reply["text"]
    assert errors() == []


async def test_junk_and_stale_buttons_are_answered(running, client, org, errors):
    teacher = org["teacher"].telegram_chat_id
    message = await say(client, teacher, "/help")
    assert (await press(client, teacher, message, "junk:!", forge=True))["text"] == NO_LONGER_VALID
    assert (await press(client, teacher, message, "x" * 64, forge=True))["text"] == NO_LONGER_VALID
    # a step of a conversation that is not running: ours, but over
    assert (await press(client, teacher, message, "as:done", forge=True))["text"] == STEP_OVER
    assert errors() == []


async def test_a_long_description_is_taken_shown_cut_and_confirm_twice_is_over(running, client, db, org, errors):
    """5,000 characters: accepted, the summary and the card cut to Telegram's limit, the task whole; a
    photo at the title step is told to answer; Confirm pressed again says the step is over."""
    chat = org["teacher"].telegram_chat_id
    await say(client, chat, "/assign", until="title")
    off = await reply_to(client, chat, client.send_photo(chat))
    assert off["text"] == OFF_STEP
    await say(client, chat, "Field trip notes", until="description")
    description = ("Bring boots, water and a notebook; we meet at the gate at nine. " * 80)[:5000]
    recipients = await say(client, chat, description, until="Who is it for?")
    await press(client, chat, recipients, data_of(recipients, "Biology"))
    due = await reply_to(client, chat, press(client, chat, recipients, "as:done"))
    assert due["text"].startswith("When is it due?")
    priority = await say(client, chat, "2099-12-01 09:00", until="Priority")
    review = await reply_to(client, chat, press(client, chat, priority, "as:pr:normal"))
    summary = await reply_to(client, chat, press(client, chat, review, "as:rv:0"))
    assert "Field trip notes" in summary["text"] and units(summary["text"]) <= MAX_TEXT
    assert "…" in summary["text"]
    twice = [await client.press_button(chat, summary["message_id"], "as:ok") for _ in range(2)]  # a double tap
    answers = sorted([(await client.callback_answer(qid, wait=10))["text"] for qid in twice])
    assert answers == sorted(["Assigned.", STEP_OVER])
    for _ in range(100):  # the summary is edited to say so
        if any(m["text"].startswith("Assigned") for m in await client.bot_messages(chat)):
            break
        await asyncio.sleep(0.1)
    assert (await press(client, chat, summary, "as:ok", forge=True))["text"] == STEP_OVER
    with db.uow(readonly=True) as uow:
        stored = uow.session.scalars(select(Task.description).where(Task.assignee_id == org["s0"].id)).one()
    assert stored == description
    student = org["s0"].telegram_chat_id
    for _ in range(100):
        cards = [m for m in await client.bot_messages(student) if "Field trip notes" in m["text"]]
        if cards:
            break
        await asyncio.sleep(0.1)
    assert cards and units(cards[0]["text"]) <= MAX_TEXT and "full text is on your dashboard" in cards[0]["text"]
    assert errors() == []


async def test_a_description_over_the_maximum_is_refused_with_the_numbers(running, client, org, errors):
    chat = org["teacher"].telegram_chat_id
    await say(client, chat, "/assign", until="title")
    await say(client, chat, "Too much", until="description")
    reply = await say(client, chat, "y" * 10_001, until="characters")
    assert "10,001 characters; at most 10,000" in reply["text"]
    assert (await say(client, chat, "/cancel"))["text"] == "Stopped; nothing was assigned."
    assert errors() == []


async def test_groups_get_no_chatter_answers(running, client, org, errors):
    members = [org["teacher"].telegram_chat_id, org["s0"].telegram_chat_id]
    group = await client.create_group("Biology chat", members)
    for text in ("hello all", "/frobnicate"):
        await client.send_text(members[1], text, chat_id=group["id"])
    await client.send_photo(members[1], chat_id=group["id"])
    await asyncio.sleep(0.5)
    reply = await reply_to(client, group["id"], client.send_text(members[0], "/help", chat_id=group["id"]))
    assert "only in a private chat" in reply["text"]
    assert [m["text"] for m in await client.bot_messages(group["id"])] == [reply["text"]]
    assert errors() == []


async def test_cancel_with_nothing_running_and_a_command_mid_conversation(running, client, org, errors):
    chat = org["teacher"].telegram_chat_id
    assert (await say(client, chat, "/cancel"))["text"] == NOTHING_TO_CANCEL
    await say(client, chat, "/assign", until="title")
    assert (await say(client, chat, "/assign"))["text"] == BUSY.format(command="assign")
    assert "/assign" in (await say(client, chat, "/help"))["text"]  # other commands still answer
    assert "Role: teacher" in (await say(client, chat, "/me"))["text"]
    brief = (await say(client, chat, "/brief"))["text"]
    assert brief.startswith("☀️ Your brief for") or brief.startswith("Nothing needs you today"), brief
    assert (await say(client, chat, "/cancel"))["text"] == "Stopped; nothing was assigned."
    assert errors() == []


async def test_an_idle_conversation_ends_with_a_word(running, client, db, org, errors):
    """/assign left at the recipients step for over an hour: the next message ends it, and says so."""
    chat = org["teacher"].telegram_chat_id
    await say(client, chat, "/assign", until="title")
    await say(client, chat, "Left behind", until="description")
    picker = await say(client, chat, "some words", until="Who is it for?")
    db.clock.advance(minutes=59)
    assert (await say(client, chat, "Bio", until="Who is it for?"))["text"] != picker["text"]  # a search, still on
    db.clock.advance(minutes=61)
    reply = await say(client, chat, "where was I?")
    assert reply["text"].startswith("Your /assign was left unfinished for over an hour, so it has ended")
    assert (await say(client, chat, "and now?"))["text"].startswith(NOT_UNDERSTOOD)
    assert errors() == []


async def test_a_description_telegram_split_in_two_is_joined(running, client, db, org, errors):
    """Over 4,096 characters arrive as two messages: the second is the description's next part, not a search."""
    chat = org["teacher"].telegram_chat_id
    await say(client, chat, "/assign", until="title")
    await say(client, chat, "Split notes", until="description")
    first, second = "a" * 4000, "b" * 900
    await say(client, chat, first, until="Who is it for?")
    reply = await say(client, chat, second)
    assert reply["text"] == "Added to the description (now 4,901 characters). Choose who it is for above."
    picker = await say(client, chat, "Bio", until="Who is it for?")  # a name is still a search
    assert "Biology" in str(picker["reply_markup"])
    assert (await say(client, chat, "/cancel"))["text"] == "Stopped; nothing was assigned."
    assert errors() == []


BAD_UPDATES = ({"message": {"message_id": 1, "text": "no chat, no date"}}, {"callback_query": {"id": "1"}},
               {"message": "oops"})


def skipped(caplog, update_id: int) -> int:
    return len([r for r in caplog.records if r.getMessage().startswith(f"skipping update {update_id}:")])


async def test_unparseable_updates_by_polling_are_skipped_once(running, client, sandbox, org, errors, caplog):
    """Updates PTB cannot parse, queued by the Bot API before a good one: each logged once, the good one
    answered, none fetched again (the offset moved past them)."""
    state = sandbox.state
    ids = []
    for body in BAD_UPDATES:  # straight into the sandbox's queue: its API sends only well-formed updates
        ids.append(state.next_update_id)
        state.updates.append({"update_id": state.next_update_id, **body})
        state.next_update_id += 1
    chat = org["s1"].telegram_chat_id
    reply = await say(client, chat, "/help")
    assert "/tasks" in reply["text"]
    await asyncio.sleep(1.5)  # a few more polls (timeout 1 s): nothing is read again
    assert [skipped(caplog, n) for n in ids] == [1, 1, 1]
    assert not set(ids) & {u["update_id"] for u in await client.pending_updates()}
    assert errors() == []


async def test_unparseable_updates_by_webhook_are_acknowledged_once(running, client, db, org, errors, caplog):
    """The web app's webhook with the bot's receiver: 200 for each (Telegram would redeliver a 500)."""
    from bot.updates import update_receiver
    from tests.auxil.web import client as web_client
    from tests.auxil.web import make_deps

    secret = "s3cret_token-123"
    deps = make_deps(db, on_update=update_receiver(running.app), telegram_webhook_secret=secret,
                     telegram_webhook_url="https://taskbell.test/telegram/webhook")
    async with web_client(deps) as http:
        for n, body in enumerate(BAD_UPDATES, start=800_000_001):
            response = await http.post("/telegram/webhook", json={"update_id": n, **body},
                                       headers={"x-telegram-bot-api-secret-token": secret})
            assert response.status_code == 200, response.text
            assert skipped(caplog, n) == 1
        chat = org["s1"].telegram_chat_id
        good = raw_message(chat, text="good morning")
        reply = await reply_to(client, chat, http.post("/telegram/webhook", json=good,
                                                        headers={"x-telegram-bot-api-secret-token": secret}))
    assert reply["text"].startswith(NOT_UNDERSTOOD)
    assert errors() == []


async def test_updates_of_one_chat_run_one_at_a_time_and_chats_in_parallel():
    """The update processor: a conversation's steps never overlap; other chats do not wait."""
    from bot.updates import PerChatUpdates

    processor, log = PerChatUpdates(8), []

    async def step(name: str) -> None:
        log.append(f"{name}+")
        await asyncio.sleep(0.05)
        log.append(f"{name}-")

    def update(chat_id: int, n: int) -> Update:
        return Update.de_json(raw_message(chat_id, text=f"step {n}"), None)

    await asyncio.gather(processor.process_update(update(1, 1), step("a1")),
                         processor.process_update(update(1, 2), step("a2")),
                         processor.process_update(update(2, 1), step("b1")))
    assert log.index("a1-") < log.index("a2+")  # one chat: in turn
    assert log.index("b1+") < log.index("a1-")  # another chat: alongside
    assert processor._chats == {}  # nothing kept once done
