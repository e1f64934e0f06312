"""Concurrent webhook delivery, as Telegram does it: the sandbox POSTs up to `max_connections` updates at once,
and the bot (python-telegram-bot behind `bot.updates.update_receiver`, PerChatUpdates) handles several chats
at a time while one chat's updates stay in order, each webhook answered only once its update is handled."""

from __future__ import annotations

import asyncio
import itertools
import socket
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.updates import PerChatUpdates, update_receiver
from tests.auxil.telegram import running_sandbox
from tgsandbox import SandboxClient, SandboxServer
from tgsandbox.webhook import chat_of

TOKEN = "123456:WEBHOOK-concurrency"
CHATS, EACH, HANDLING = 6, 3, 0.15  # seconds each update's handler takes


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    yield from running_sandbox(TOKEN, global_per_second=10_000, per_chat_per_second=10_000)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_update_belongs_to_its_chat() -> None:
    assert chat_of({"update_id": 1, "message": {"chat": {"id": 5}, "from": {"id": 9}}}) == 5
    assert chat_of({"update_id": 2, "callback_query": {"from": {"id": 9}, "message": {"chat": {"id": 7}}}}) == 7
    assert chat_of({"update_id": 3, "inline_query": {"from": {"id": 9}}}) == 9
    assert chat_of({"update_id": 4, "poll": {"id": "x"}}) == ("update", 4)


@pytest.mark.asyncio(loop_scope="module")
async def test_several_chats_at_once_and_each_chat_in_order(sandbox: SandboxServer) -> None:
    app = (Application.builder().token(TOKEN).base_url(sandbox.bot_base_url).updater(None).job_queue(None)
           .concurrent_updates(PerChatUpdates(16)).build())
    spans: dict[int, list[tuple[str, float, float]]] = defaultdict(list)
    running = [0, 0]  # now, most at once

    async def handle(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None and update.effective_message is not None
        started = time.perf_counter()
        running[0] += 1
        running[1] = max(running)
        await asyncio.sleep(HANDLING)
        running[0] -= 1
        spans[update.effective_chat.id].append((update.effective_message.text or "", started, time.perf_counter()))

    app.add_handler(MessageHandler(filters.TEXT, handle))
    receive = update_receiver(app)
    answered: list[float] = []

    async def hook(request: Request) -> Response:
        await receive(await request.json())
        answered.append(time.perf_counter())  # the webhook answers only once the update is handled
        return Response(status_code=200)

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=[Route("/hook", hook, methods=["POST"])]),
                                           host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    serving = asyncio.create_task(server.serve())
    async with app, SandboxClient(sandbox.url) as control:
        try:
            while not server.started:
                await asyncio.sleep(0.02)
            assert await app.bot.set_webhook(f"http://127.0.0.1:{port}/hook", max_connections=40)
            users = [await control.create_user(f"U{n}") for n in range(CHATS)]
            started = time.perf_counter()
            for n in range(EACH):  # interleaved, as people type at once
                for user in users:
                    await control.send_text(user["id"], f"{n}")
            while len(answered) < CHATS * EACH and time.perf_counter() - started < 20:
                await asyncio.sleep(0.02)
            elapsed = time.perf_counter() - started
        finally:
            server.should_exit = True
            await serving
    assert len(answered) == CHATS * EACH
    for user in users:
        chat = spans[user["id"]]
        assert [text for text, _, _ in chat] == [str(n) for n in range(EACH)]  # in order
        assert all(prev[2] <= nxt[1] for prev, nxt in itertools.pairwise(chat))  # one at a time
    assert running[1] >= 3  # several chats at once
    assert elapsed < CHATS * EACH * HANDLING * 0.6  # one at a time would take all of it
    print(f"\n[webhook] {CHATS * EACH} updates of {CHATS} chats in {elapsed:.2f} s, at most {running[1]} at once")


def test_one_connection_means_one_update_at_a_time() -> None:
    """max_connections=1 is honoured (the old behaviour, as a receiver may ask for it)."""
    from tgsandbox.state import SandboxState
    from tgsandbox.webhook import _Deliveries

    state = SandboxState(token=TOKEN)
    state.webhook.url, state.webhook.max_connections = "http://127.0.0.1:9/hook", 1
    state.updates = [{"update_id": 1, "message": {"chat": {"id": 1}}},
                     {"update_id": 2, "message": {"chat": {"id": 2}}}]
    deliveries = _Deliveries(state, None)  # type: ignore[arg-type]
    first: Any = deliveries.next_update()
    assert first["update_id"] == 1
    deliveries.in_flight[1] = None  # type: ignore[assignment]
    assert deliveries.next_update() is None
    state.webhook.max_connections = 2
    assert deliveries.next_update()["update_id"] == 2  # type: ignore[index]
    state.updates.insert(1, {"update_id": 3, "message": {"chat": {"id": 1}}})
    assert deliveries.next_update()["update_id"] == 2  # type: ignore[index]  # chat 1 waits for update 1
