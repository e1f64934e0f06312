"""Groups and supergroups in the sandbox: negative chat ids through the control API and the Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import telegram

from tests.auxil.telegram import running_sandbox
from tgsandbox import SandboxClient, SandboxServer, SyncSandboxClient
from tgsandbox.client import SandboxError

ASYNC = pytest.mark.asyncio(loop_scope="module")

TOKEN = "123456:SANDBOX-groups-token"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    yield from running_sandbox(TOKEN, group_per_minute=10_000)


@pytest.fixture
async def control(sandbox: SandboxServer) -> AsyncIterator[SandboxClient]:
    client = SandboxClient(sandbox.url)
    await client.reset()
    yield client
    await client.aclose()


@pytest.fixture
async def tg(sandbox: SandboxServer) -> AsyncIterator[telegram.Bot]:
    bot = telegram.Bot(TOKEN, base_url=sandbox.bot_base_url, base_file_url=sandbox.bot_base_file_url)
    async with bot:
        yield bot


@ASYNC
@pytest.mark.parametrize("supergroup", [False, True], ids=["group", "supergroup"])
async def test_a_group_is_read_and_written_through_its_negative_id(control, tg, supergroup):
    ann, bob = await control.create_user("Ann"), await control.create_user("Bob")
    group = await control.create_group("Physics 9A", [ann["id"], bob["id"]], supergroup=supergroup)
    kind = "supergroup" if supergroup else "group"
    assert group["type"] == kind and group["id"] < 0
    if supergroup:
        assert str(group["id"]).startswith("-100")

    sent = await control.send_text(bob["id"], "/help", chat_id=group["id"])
    assert sent["chat_id"] == group["id"]
    update = (await tg.get_updates(timeout=5))[-1]
    assert (update.message.chat.id, update.message.chat.type) == (group["id"], kind)
    assert update.message.from_user.id == bob["id"]

    await tg.send_message(group["id"], "Hello, group", reply_to_message_id=sent["message_id"])
    messages = await control.messages(group["id"])
    assert [(m["from_bot"], m["text"]) for m in messages] == [(False, "/help"), (True, "Hello, group")]
    assert (await control.chat(group["id"]))["member_ids"] == [ann["id"], bob["id"]]
    reply = await control.wait_for_bot_message(group["id"], after_message_id=sent["message_id"], timeout=1)
    assert reply["text"] == "Hello, group"
    assert [m["text"] for m in await control.bot_messages(group["id"])] == ["Hello, group"]


@ASYNC
async def test_members_press_buttons_in_a_group_and_strangers_cannot(control, tg):
    ann, eve = await control.create_user("Ann"), await control.create_user("Eve")
    group = await control.create_group("Team", [ann["id"]], supergroup=True)
    markup = telegram.InlineKeyboardMarkup([[telegram.InlineKeyboardButton("OK", callback_data="ok")]])
    message = await tg.send_message(group["id"], "Press", reply_markup=markup)
    query_id = await control.press_button(group["id"], message.message_id, "ok", user_id=ann["id"])
    update = (await tg.get_updates(timeout=5))[-1]
    assert update.callback_query.id == query_id
    assert update.callback_query.message.chat.id == group["id"]

    with pytest.raises(SandboxError) as refused:
        await control.press_button(group["id"], message.message_id, "ok", user_id=eve["id"])
    assert refused.value.status == 400
    with pytest.raises(SandboxError):
        await control.send_text(eve["id"], "/help", chat_id=group["id"])
    await control.add_member(group["id"], eve["id"])
    await control.send_text(eve["id"], "/help", chat_id=group["id"])
    assert (await control.chat(group["id"]))["member_ids"] == [ann["id"], eve["id"]]


@ASYNC
async def test_unknown_and_malformed_chat_ids_are_404(control):
    for chat in ("-42", "abc", "-1001000000999"):
        with pytest.raises(SandboxError) as missing:
            await control.messages(chat)  # type: ignore[arg-type]
        assert missing.value.status == 404
    with pytest.raises(SandboxError) as bad:
        await control._post("/groups", {"title": "X", "member_ids": [], "type": "channel"})
    assert bad.value.status == 400
    with pytest.raises(SandboxError) as positive:
        await control.create_group("X", [], chat_id=5)
    assert positive.value.status == 400


def test_the_blocking_client_reads_groups(sandbox):
    with SyncSandboxClient(sandbox.url) as control:
        control.reset()
        ann = control.create_user("Ann")
        group = control.create_group("Team", [ann["id"]], supergroup=True)
        control.send_text(ann["id"], "hello all", chat_id=group["id"])
        assert [m["text"] for m in control.messages(group["id"])] == ["hello all"]
