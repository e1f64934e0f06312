"""The service desk in Telegram: a Facilities team (lead, two crew), a requester and an outsider, all on the
sandbox; helpers to talk and press like a person does."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from adapters.attachments import FileAttachments
from bot.delivery import DeliveryConfig
from domain.actors import Actor
from domain.clock import SystemClock
from domain.models import Person, Role
from domain.teams import services as teams
from domain.teams.queries import FieldSpec, TeamRow
from domain.teams.services import MemberSpec, TeamSpec
from tests.auxil import databases
from tests.auxil.telegram import start_bot
from tests.factories import sandbox_person


@dataclass
class Org:
    lead: Person
    crew1: Person
    crew2: Person
    mia: Person  # the requester
    olga: Person  # on no team
    facilities: TeamRow


@pytest.fixture(scope="module")
def db(tmp_path_factory, sqlite_template):
    """A database of this module's own: the bot runs across its tests."""
    yield from databases.module_database(tmp_path_factory.mktemp("desk"), sqlite_template, SystemClock())


@pytest.fixture(scope="module")
async def org(db, client) -> Org:
    made = {}
    for i, key in enumerate(["lead", "crew1", "crew2", "mia", "olga"]):
        made[key] = await sandbox_person(db, client, first_name=key.title(), name=f"{key.title()} Person",
                                         phone=f"+44770095{i:04d}", role=Role.MEMBER)
    facilities = teams.create_team(db.uow(), Actor.system(),
                                   TeamSpec("Facilities", fields=[FieldSpec("location", "Location")]),
                                   [MemberSpec(made["lead"].id, is_lead=True), MemberSpec(made["crew1"].id),
                                    MemberSpec(made["crew2"].id)])
    return Org(facilities=facilities, **made)


@pytest.fixture(scope="module")
async def running(db, sandbox, org, tmp_path_factory):
    bot = await start_bot(db, sandbox.url, delivery=DeliveryConfig(idle_poll=0.05, backoff_base=0.05))
    bot.deps.attachments = FileAttachments(tmp_path_factory.mktemp("attachments"))  # as the root gives it
    runner = asyncio.create_task(bot.delivery.run())
    yield bot
    await bot.stop()
    await runner


async def last_id(client, chat_id: int) -> int:
    return max([m["message_id"] for m in await client.messages(chat_id)], default=0)


async def bot_says(client, chat_id: int, after: int, needle: str, timeout: float = 15) -> dict:
    """The first bot message after `after` containing `needle`."""
    message = await client.wait_for_bot_message(chat_id, after, timeout=timeout)
    while needle not in (message["text"] or message.get("caption") or ""):
        message = await client.wait_for_bot_message(chat_id, message["message_id"], timeout=timeout)
    return message


async def say(client, chat_id: int, text: str, needle: str = "", reply_to: int | None = None) -> dict:
    """Send text (as a reply to `reply_to`); the bot's first answer containing `needle`."""
    last = await last_id(client, chat_id)
    await client.send_text(chat_id, text, reply_to_message_id=reply_to)
    return await bot_says(client, chat_id, last + 1, needle)


async def press(client, chat_id: int, message: dict, label: str, needle: str = "") -> dict:
    """Press the button labelled `label`; the next bot message containing `needle`."""
    last = await last_id(client, chat_id)
    await client.press_button(chat_id, message["message_id"], data_of(message, label))
    return await bot_says(client, chat_id, last, needle)


async def press_edit(client, chat_id: int, message: dict, label: str) -> dict:
    """Press a button that edits its own message; the message once edited."""
    chat = await client.chat(chat_id)
    before = next(m for m in chat["messages"] if m["message_id"] == message["message_id"])
    await client.press_button(chat_id, message["message_id"], data_of(message, label))
    version = chat["version"]
    while True:
        chat = await client.wait_for_change(chat_id, version, timeout=10)
        version = chat["version"]
        now = next(m for m in chat["messages"] if m["message_id"] == message["message_id"])
        if now["text"] != before["text"] or now.get("reply_markup") != before.get("reply_markup"):
            return now


def data_of(message: dict, label: str) -> str:
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            if label in button["text"]:
                return button["callback_data"]
    raise AssertionError(f"no button {label!r} in {message.get('reply_markup')}")


async def message_now(client, chat_id: int, message_id: int) -> dict:
    return next(m for m in await client.messages(chat_id) if m["message_id"] == message_id)


async def eventually(check, timeout: float = 15) -> None:
    """Wait until `check()` (async, returning bool) holds."""
    for _ in range(int(timeout / 0.1)):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("it did not happen in time")  # pragma: no cover
