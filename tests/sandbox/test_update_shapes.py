"""Every update the sandbox can emit is Telegram-shaped: python-telegram-bot's own `Update.de_json` parses
each one, and no field lands in `api_kwargs` (PTB's bin for keys Telegram does not send)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import telegram
from telegram import TelegramObject, Update

from tests.auxil.telegram import running_sandbox
from tgsandbox import SandboxClient, SandboxServer

pytestmark = pytest.mark.asyncio(loop_scope="module")

TOKEN = "123456:SHAPES-test-token"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    yield from running_sandbox(TOKEN)


@pytest.fixture
async def control(sandbox: SandboxServer) -> AsyncIterator[SandboxClient]:
    client = SandboxClient(sandbox.url)
    await client.reset()
    yield client
    await client.aclose()


def unknown_fields(obj: Any, path: str = "update") -> list[str]:
    """Every api_kwargs key anywhere in the parsed tree (a field PTB does not know, or a wrong shape)."""
    found: list[str] = []
    if isinstance(obj, TelegramObject):
        found += [f"{path}.{key}" for key in obj.api_kwargs]
        names = {n for klass in type(obj).__mro__ for n in getattr(klass, "__slots__", ())}
        for name in sorted(n for n in names if not n.startswith("_")):
            found += unknown_fields(getattr(obj, name, None), f"{path}.{name}")
    elif isinstance(obj, list | tuple):
        for n, item in enumerate(obj):
            found += unknown_fields(item, f"{path}[{n}]")
    return found


async def test_every_kind_of_update_parses_with_ptbs_own_de_json(sandbox, control):
    ann = await control.create_user("Ann", last_name="Lee", phone="+447700900001", username="ann")
    ben = await control.create_user("Ben", phone="+447700900002")
    await control.send_text(ann["id"], "/start")  # a command: a bot_command entity
    await control.send_text(ann["id"], "hello there")
    await control.send_contact(ann["id"], own=True)
    await control.send_contact(ann["id"], own=False, phone="+447700900099", first_name="Cleo")
    await control.send_photo(ann["id"], caption="the lab")
    async with telegram.Bot(TOKEN, base_url=sandbox.bot_base_url) as bot:
        sent = await bot.send_message(ann["id"], "Pick one", reply_markup=telegram.InlineKeyboardMarkup(
            [[telegram.InlineKeyboardButton("Yes", callback_data="yes")]]))
    await control.press_button(ann["id"], sent.message_id, "yes")
    group = await control.create_group("Year 10", [ann["id"]])
    await control.add_member(group["id"], ben["id"])
    await control.send_text(ben["id"], "/help", chat_id=group["id"])
    await control.block(ben["id"])
    await control.unblock(ben["id"])

    pending = await control.pending_updates()
    kinds = []
    for raw in pending:
        update = Update.de_json(raw, None)
        assert update is not None and update.update_id == raw["update_id"]
        assert unknown_fields(update) == [], raw
        assert update.effective_user is not None and update.effective_chat is not None, raw
        kinds.append(next(k for k in raw if k != "update_id"))
        if update.message and update.message.contact:
            assert update.message.contact.phone_number
        if update.message and update.message.photo:
            assert update.message.photo[-1].file_id and update.message.caption == "the lab"
        if update.callback_query:
            assert update.callback_query.data == "yes" and update.callback_query.message.message_id == sent.message_id
    assert kinds.count("message") >= 6 and "callback_query" in kinds, kinds
    blocks = [Update.de_json(raw, None).my_chat_member for raw in pending if "my_chat_member" in raw]
    assert [(m.old_chat_member.status, m.new_chat_member.status) for m in blocks][-2:] == [
        ("member", "kicked"), ("kicked", "member")]
