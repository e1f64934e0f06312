"""The sandbox Bot API server, driven by the real python-telegram-bot over HTTP."""

from __future__ import annotations

import asyncio
import json
import queue
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import telegram
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.auxil.telegram import running_sandbox
from tgsandbox import SandboxClient, SandboxServer, SyncSandboxClient
from tgsandbox.errors import ApiError
from tgsandbox.limits import RateLimiter, SandboxConfig
from tgsandbox.server import ThreadedUvicorn

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    # PTB 22 announces that RetryAfter.retry_after becomes a timedelta; retry_seconds() copes
    pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"),
]

TOKEN = "123456:SANDBOX-test-token"
GENEROUS = {"global_per_second": 10_000, "per_chat_per_second": 10_000, "group_per_minute": 10_000}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    yield from running_sandbox(TOKEN, **GENEROUS)


@pytest.fixture(autouse=True)
def fresh_state(sandbox: SandboxServer) -> Iterator[None]:
    with SyncSandboxClient(sandbox.url) as control:
        control.reset()
    yield


@pytest.fixture
async def control(sandbox: SandboxServer) -> AsyncIterator[SandboxClient]:
    client = SandboxClient(sandbox.url)
    yield client
    await client.aclose()


@pytest.fixture
async def tg(sandbox: SandboxServer) -> AsyncIterator[telegram.Bot]:
    bot = telegram.Bot(
        TOKEN, base_url=sandbox.bot_base_url, base_file_url=sandbox.bot_base_file_url
    )
    async with bot:
        yield bot


@pytest.fixture
async def ann(control: SandboxClient) -> dict[str, Any]:
    return await control.create_user("Ann", phone="+15551230001", username="ann")


def retry_seconds(error: RetryAfter) -> float:
    value: Any = error.retry_after
    return value if isinstance(value, int | float) else value.total_seconds()


def keyboard(*datas: str) -> telegram.InlineKeyboardMarkup:
    return telegram.InlineKeyboardMarkup(
        [[telegram.InlineKeyboardButton(d.title(), callback_data=d) for d in datas]]
    )


async def test_get_me(tg: telegram.Bot) -> None:
    me = await tg.get_me()
    assert me.is_bot
    assert me.username == "taskbell_bot"
    assert me.first_name == "Taskbell"


async def test_send_message_with_inline_keyboard(
    tg: telegram.Bot, control: SandboxClient, ann: dict[str, Any]
) -> None:
    sent = await tg.send_message(
        ann["id"], "<b>Hello</b> Ann", parse_mode="HTML", reply_markup=keyboard("yes", "no")
    )
    assert sent.text == "Hello Ann"
    assert sent.entities[0].type == "bold"
    assert sent.from_user.is_bot
    assert sent.chat.type == "private"
    assert sent.chat.id == ann["id"]
    assert sent.reply_markup.inline_keyboard[0][1].callback_data == "no"

    [message] = await control.messages(ann["id"])
    assert message["message_id"] == sent.message_id
    assert message["from_bot"] is True
    assert message["text"] == "Hello Ann"
    assert message["reply_markup"]["inline_keyboard"][0][0] == {
        "text": "Yes",
        "callback_data": "yes",
    }
    assert message["deleted"] is False


async def test_reply_keyboard_with_contact_button(
    tg: telegram.Bot, control: SandboxClient, ann: dict[str, Any]
) -> None:
    markup = telegram.ReplyKeyboardMarkup(
        [[telegram.KeyboardButton("Share my phone", request_contact=True)]],
        one_time_keyboard=True,
    )
    sent = await tg.send_message(ann["id"], "Who are you?", reply_markup=markup)
    assert sent.reply_markup is None  # Telegram echoes only inline keyboards
    chat = await control.chat(ann["id"])
    assert chat["reply_keyboard"]["keyboard"][0][0]["request_contact"] is True

    await tg.send_message(ann["id"], "Thanks", reply_markup=telegram.ReplyKeyboardRemove())
    assert (await control.chat(ann["id"]))["reply_keyboard"] is None


async def test_edit_text_and_markup(
    tg: telegram.Bot, control: SandboxClient, ann: dict[str, Any]
) -> None:
    sent = await tg.send_message(ann["id"], "Pick one", reply_markup=keyboard("a", "b"))
    edited = await tg.edit_message_text(
        "Picked a", chat_id=ann["id"], message_id=sent.message_id, reply_markup=keyboard("undo")
    )
    assert edited.text == "Picked a"
    assert edited.edit_date is not None
    await tg.edit_message_reply_markup(ann["id"], sent.message_id, reply_markup=None)

    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await tg.edit_message_reply_markup(ann["id"], sent.message_id, reply_markup=None)

    [message] = await control.messages(ann["id"])
    assert message["text"] == "Picked a"
    assert message["reply_markup"] is None
    assert [e["method"] for e in message["edits"]] == ["editMessageText", "editMessageReplyMarkup"]
    assert message["edits"][0]["old"]["text"] == "Pick one"


async def test_edit_and_delete_missing_message(tg: telegram.Bot, ann: dict[str, Any]) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await tg.edit_message_text("x", chat_id=ann["id"], message_id=999)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await tg.delete_message(ann["id"], 999)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await tg.send_message(424242, "nobody here")


async def test_validation_of_text_and_callback_data(
    tg: telegram.Bot, control: SandboxClient, ann: dict[str, Any]
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await tg.send_message(ann["id"], "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await tg.send_message(ann["id"], "   ")
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await tg.send_message(ann["id"], "too long data", reply_markup=keyboard("x" * 65))
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await tg.send_message(ann["id"], "1.5 is not escaped", parse_mode="MarkdownV2")
    assert (await tg.send_message(ann["id"], "x" * 4096)).text == "x" * 4096
    styled = await tg.send_message(ann["id"], r"*Due* 1\.5 _days_", parse_mode="MarkdownV2")
    assert styled.text == "Due 1.5 days"
    assert [e.type for e in styled.entities] == ["bold", "italic"]
    assert len(await control.messages(ann["id"])) == 2


async def test_unknown_method_and_bad_token(sandbox: SandboxServer) -> None:
    async with httpx.AsyncClient() as http:
        missing = await http.post(f"{sandbox.url}/bot{TOKEN}/sendTelepathy")
        assert missing.status_code == 404
        assert missing.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        wrong = await http.get(f"{sandbox.url}/bot999:WRONG/getMe")
        assert wrong.status_code == 401
        assert wrong.json()["description"] == "Unauthorized"
        # method names are case-insensitive, JSON bodies work too
        me = await http.post(f"{sandbox.url}/bot{TOKEN}/GETME", json={})
        assert me.json()["result"]["id"] == 7000000001


async def test_get_updates_long_poll_command_and_contact(
    tg: telegram.Bot, control: SandboxClient, ann: dict[str, Any]
) -> None:
    poll = asyncio.create_task(tg.get_updates(timeout=10))
    await asyncio.sleep(0)  # let the request go out; the answer waits for the update
    sent = await control.send_text(ann["id"], "/start invite-42")
    [update] = await asyncio.wait_for(poll, 10)
    assert update.update_id == sent["update_id"]
    message = update.message
    assert message.text == "/start invite-42"
    assert message.entities[0].type == "bot_command"
    assert (message.entities[0].offset, message.entities[0].length) == (0, 6)
    assert message.from_user.id == ann["id"]

    contact = await control.send_contact(ann["id"])
    others = await control.send_contact(
        ann["id"], "+15559990000", own=False, first_name="Bob", contact_user_id=None
    )
    updates = await tg.get_updates(offset=update.update_id + 1, timeout=5)
    assert [u.update_id for u in updates] == [contact["update_id"], others["update_id"]]
    own, other = updates[0].message.contact, updates[1].message.contact
    assert own.user_id == ann["id"] and own.phone_number == "+15551230001"
    assert other.user_id is None and other.first_name == "Bob"

    # confirming with offset empties the queue
    assert await tg.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()
    assert await control.pending_updates() == []


async def test_user_photo_and_group_messages(
    tg: telegram.Bot, control: SandboxClient, ann: dict[str, Any]
) -> None:
    bob = await control.create_user("Bob")
    group = await control.create_group("Team", [ann["id"], bob["id"]])
    assert group["id"] < 0
    await control.send_text(bob["id"], "/report@taskbell_bot", chat_id=group["id"])
    await control.send_photo(ann["id"], caption="receipt")
    updates = await tg.get_updates(timeout=5)
    assert updates[0].message.chat.type == "group"
    assert updates[0].message.entities[0].length == len("/report@taskbell_bot")
    photo = updates[1].message.photo
    assert photo[-1].width == 64 and updates[1].message.caption == "receipt"
    data = await (await tg.get_file(photo[-1].file_id)).download_as_bytearray()
    assert bytes(data).startswith(b"\x89PNG")

    sent = await tg.send_message(group["id"], "Noted")
    assert sent.chat.type == "group" and sent.chat.title == "Team"


async def test_webhook_delivery_with_secret(
    tg: telegram.Bot, control: SandboxClient, ann: dict[str, Any]
) -> None:
    received: queue.Queue[tuple[str | None, dict[str, Any]]] = queue.Queue()
    answers = iter([500])  # the first delivery fails and must be redelivered

    async def hook(request: Request) -> Response:
        received.put((request.headers.get("x-telegram-bot-api-secret-token"), await request.json()))
        return Response(status_code=next(answers, 200))

    receiver = ThreadedUvicorn(Starlette(routes=[Route("/hook", hook, methods=["POST"])]))
    receiver.start()
    try:
        assert await tg.set_webhook(f"{receiver.url}/hook", secret_token="s3cret")
        with pytest.raises(
            Conflict, match=r"(?i)can't use getUpdates method while webhook is active"
        ):
            await tg.get_updates()
        first = await control.send_text(ann["id"], "hello hook")
        second = await control.send_text(ann["id"], "second")

        got = [await asyncio.to_thread(received.get, True, 10) for _ in range(3)]
        assert all(secret == "s3cret" for secret, _ in got)
        ids = [update["update_id"] for _, update in got]
        assert ids == [first["update_id"], first["update_id"], second["update_id"]]
        assert got[2][1]["message"]["text"] == "second"

        info = await tg.get_webhook_info()
        assert info.url == f"{receiver.url}/hook"
        assert (
            info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
        )
        assert await tg.delete_webhook()
        assert await tg.get_updates(timeout=0) == ()
    finally:
        receiver.stop()


async def test_rate_limit_per_private_chat(
    tg: telegram.Bot, control: SandboxClient, ann: dict[str, Any]
) -> None:
    await control.configure(per_chat_per_second=1)
    await control.reset_stats()
    with pytest.raises(RetryAfter) as caught:
        for n in range(3):
            await tg.send_message(ann["id"], f"burst {n}")
    assert retry_seconds(caught.value) >= 1
    stats = await control.stats()
    assert stats["too_many_requests"] == 1
    assert stats["by_method"]["sendMessage"] == {"200": 1, "429": 1}


async def test_rate_limit_per_group_per_minute(
    tg: telegram.Bot, control: SandboxClient, ann: dict[str, Any]
) -> None:
    group = await control.create_group("Team", [ann["id"]])
    await control.configure(group_per_minute=2)
    await tg.send_message(group["id"], "one")
    await tg.send_message(group["id"], "two")
    with pytest.raises(RetryAfter) as caught:
        await tg.send_message(group["id"], "three")
    assert 1 <= retry_seconds(caught.value) <= 60
    assert (await tg.send_message(ann["id"], "private chats are not affected")).text


async def test_forced_429_then_success(
    tg: telegram.Bot, control: SandboxClient, ann: dict[str, Any]
) -> None:
    await control.force_next("sendMessage", 429, retry_after=2)
    with pytest.raises(RetryAfter) as caught:
        await tg.send_message(ann["id"], "first try")
    assert retry_seconds(caught.value) == 2
    assert (await tg.send_message(ann["id"], "second try")).text == "second try"
    stats = await control.stats()
    assert stats["by_method"]["sendMessage"] == {"429": 1, "200": 1}


async def test_502_faults_and_dropped_connections(
    tg: telegram.Bot, control: SandboxClient, ann: dict[str, Any]
) -> None:
    await control.force_next("*", 502, count=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match=r"(?i)Bad Gateway"):
            await tg.send_message(ann["id"], "flaky")
    await control.force_next("sendMessage", drop=True)
    with pytest.raises(NetworkError):
        await tg.send_message(ann["id"], "lost")
    await control.configure(error_rate=1.0)
    with pytest.raises(NetworkError):
        await tg.get_me()
    await control.configure(error_rate=0.0)
    assert (await tg.send_message(ann["id"], "steady")).text == "steady"
    stats = await control.stats()
    assert stats["by_method"]["sendMessage"] == {"502": 2, "dropped": 1, "200": 1}
    assert [m["text"] for m in await control.messages(ann["id"])] == ["steady"]


async def test_blocked_user_gives_forbidden(
    tg: telegram.Bot, control: SandboxClient, ann: dict[str, Any]
) -> None:
    await control.block(ann["id"])
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await tg.send_message(ann["id"], "anyone there?")
    [update] = await tg.get_updates(timeout=5)
    assert update.my_chat_member.new_chat_member.status == "kicked"
    await control.unblock(ann["id"])
    assert (await tg.send_message(ann["id"], "welcome back")).text == "welcome back"


async def test_commands_per_scope(
    tg: telegram.Bot, control: SandboxClient, ann: dict[str, Any]
) -> None:
    await tg.set_my_commands([("start", "Start"), ("help", "Help")])
    await tg.set_my_commands(
        [telegram.BotCommand("tasks", "My tasks")],
        scope=telegram.BotCommandScopeChat(ann["id"]),
        language_code="ru",
    )
    assert await control.commands("default") == [
        {"command": "start", "description": "Start"},
        {"command": "help", "description": "Help"},
    ]
    assert await control.commands({"type": "chat", "chat_id": ann["id"]}, "ru") == [
        {"command": "tasks", "description": "My tasks"}
    ]
    assert await control.commands(f"chat:{ann['id']}") == []
    got = await tg.get_my_commands(
        scope=telegram.BotCommandScopeChat(ann["id"]), language_code="ru"
    )
    assert [c.command for c in got] == ["tasks"]
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await tg.set_my_commands([("x", "y")], scope=telegram.BotCommandScopeChat(-5))


async def test_document_round_trip(
    tg: telegram.Bot, control: SandboxClient, ann: dict[str, Any]
) -> None:
    payload = b"name,phone\nAnn,+15551230001\n" * 100
    sent = await tg.send_document(
        ann["id"], document=payload, filename="people.csv", caption="Export"
    )
    assert sent.document.file_name == "people.csv"
    assert sent.document.file_size == len(payload)
    assert sent.caption == "Export"
    file = await tg.get_file(sent.document.file_id)
    assert file.file_path.endswith(".csv")
    assert bytes(await file.download_as_bytearray()) == payload
    again = await tg.send_document(ann["id"], document=sent.document.file_id)
    assert again.document.file_unique_id == sent.document.file_unique_id
    messages = await control.messages(ann["id"])
    assert messages[0]["document"]["mime_type"] == "text/csv"


async def test_press_button_and_answer_callback(
    tg: telegram.Bot, control: SandboxClient, ann: dict[str, Any]
) -> None:
    sent = await tg.send_message(ann["id"], "Done?", reply_markup=keyboard("done"))
    query_id = await control.press_button(ann["id"], sent.message_id, "done")
    [update] = await tg.get_updates(timeout=5)
    query = update.callback_query
    assert query.id == query_id
    assert query.data == "done"
    assert query.from_user.id == ann["id"]
    assert query.message.message_id == sent.message_id
    assert query.message.text == "Done?"
    assert await control.callback_answer(query_id) is None
    await query.get_bot().answer_callback_query(query.id, text="Marked done", show_alert=True)
    answer = await control.callback_answer(query_id)
    assert answer["text"] == "Marked done" and answer["show_alert"] is True
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await tg.answer_callback_query(query.id, text="again")
    with pytest.raises(Exception, match=r"(?i)no button"):
        await control.press_button(ann["id"], sent.message_id, "not-there")


async def test_wait_for_bot_message(
    tg: telegram.Bot, control: SandboxClient, ann: dict[str, Any]
) -> None:
    first = await tg.send_message(ann["id"], "one")
    waiter = asyncio.create_task(control.wait_for_bot_message(ann["id"], first.message_id))
    await asyncio.sleep(0)
    second = await tg.send_message(ann["id"], "two")
    message = await asyncio.wait_for(waiter, 10)
    assert message["message_id"] == second.message_id
    with pytest.raises(TimeoutError):
        await control.wait_for_bot_message(ann["id"], second.message_id, timeout=0.2)


async def test_chat_page_lists_users(sandbox: SandboxServer, control: SandboxClient) -> None:
    await control.create_user("Zoë", phone="+15550000007", last_name="<script>")
    async with httpx.AsyncClient() as http:
        page = await http.get(f"{sandbox.url}/chat")
        script = await http.get(f"{sandbox.url}/sandbox/static/chat.js")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "Zoë &lt;script&gt;" in page.text
    assert "+15550000007" in page.text
    assert "<script>" not in page.text.replace(
        '<script src="/sandbox/static/chat.js"></script>', ""
    )
    assert script.status_code == 200 and "innerHTML" not in script.text


async def test_stats_shape(sandbox: SandboxServer, control: SandboxClient) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{sandbox.url}/bot{TOKEN}/getMe")
    assert json.loads(response.text)["ok"] is True
    stats = await control.stats()
    assert stats["by_method"]["getMe"] == {"200": 1}
    assert stats["total"] == 1


async def test_hanging_connection_times_out(
    tg: telegram.Bot, control: SandboxClient, ann: dict[str, Any]
) -> None:
    await control.configure(drop_mode="hang", hang_seconds=5)
    await control.force_next("sendMessage", drop=True)
    with pytest.raises(TimedOut):
        await tg.send_message(ann["id"], "into the void", read_timeout=0.3)
    assert (await control.stats())["by_method"]["sendMessage"] == {"dropped": 1}


async def test_second_poller_terminates_the_first(
    sandbox: SandboxServer, tg: telegram.Bot, control: SandboxClient
) -> None:
    first = asyncio.create_task(tg.get_updates(timeout=10))
    while await control.waiting_polls() == 0:  # until the first poll waits on the server
        await asyncio.sleep(0.01)
    other = telegram.Bot(TOKEN, base_url=sandbox.bot_base_url)
    async with other:
        assert await other.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates request"):
        await asyncio.wait_for(first, 10)


async def test_application_handlers_end_to_end(
    sandbox: SandboxServer, control: SandboxClient, ann: dict[str, Any]
) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text(
            f"Welcome, payload={context.args[0]}", reply_markup=keyboard("ok")
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer("Saved")
        await update.callback_query.edit_message_text("Saved ✓")

    app = (
        Application.builder()
        .token(TOKEN)
        .base_url(sandbox.bot_base_url)
        .base_file_url(sandbox.bot_base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=5)
        try:
            sent = await control.send_text(ann["id"], "/start abc")
            reply = await control.wait_for_bot_message(ann["id"], sent["message_id"])
            assert reply["text"] == "Welcome, payload=abc"
            query_id = await control.press_button(ann["id"], reply["message_id"], "ok")
            assert (await control.callback_answer(query_id, wait=5))["text"] == "Saved"
            chat = await control.chat(ann["id"])
            if not chat["messages"][-1]["edits"]:
                chat = await control.wait_for_change(ann["id"], chat["version"])
            assert chat["messages"][-1]["text"] == "Saved ✓"
        finally:
            await app.updater.stop()
            await app.stop()


async def test_sliding_windows_on_a_fake_clock() -> None:
    now = [100.0]
    limiter = RateLimiter(clock=lambda: now[0])
    config = SandboxConfig(global_per_second=3, per_chat_per_second=1)
    for chat in (1, 2, 3):
        limiter.check(config, chat, is_group=False)
    with pytest.raises(ApiError) as caught:
        limiter.check(config, 4, is_group=False)  # global: 3 per second
    assert caught.value.error_code == 429 and caught.value.retry_after == 1
    now[0] += 0.97
    with pytest.raises(ApiError):
        limiter.check(config, 4, is_group=False)
    config.limit_tolerance_ms = 50  # 0.97 s later counts as a new window with 50 ms slack
    limiter.check(config, 4, is_group=False)
    with pytest.raises(ApiError) as caught:
        limiter.check(config, 4, is_group=False)  # same private chat again at once
    assert caught.value.payload()["parameters"] == {"retry_after": 1}
