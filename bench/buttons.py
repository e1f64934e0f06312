"""Row 3: K people press Start then Complete; updates reach the bot by webhook through the web app.

Measured: updates handled per second and the latency from the press to the edited message.
Baseline: a bare python-telegram-bot Application whose CallbackQueryHandler only answers the
callback, behind the same web app and webhook (latency: press to the answer)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import select
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bench.common import (
    TOKEN,
    Row,
    SandboxProcess,
    bench_bot_deps,
    bench_settings,
    free_port,
    linked_people,
    make_admin,
    percentile,
    progress,
    sqlite_db,
)
from bench.delivery import _create_users
from bot.app import bot_api_urls, build_application, build_delivery
from bot.delivery import DeliveryConfig
from bot.updates import PerChatUpdates, update_receiver
from domain.actors import Actor
from domain.links import LinkSigner
from domain.models import Task
from domain.tasks import services as tasks
from tgsandbox.client import SandboxClient
from web.app import create_app
from web.deps import WebDeps

SECRET = "bench-webhook-secret"
PACED_RATE = 100  # presses/s of the open-loop phase (the p99 row)
LIMIT = 1000  # msg/s for this row, so the rate limits do not hide the handling cost (see note)


async def _serve_web(settings: Any, db: Any, app: Application) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    """The web app with its webhook bridged to `app`, in this event loop, as taskbell/runner.py does."""

    web = create_app(WebDeps(settings=settings, db=db, links=LinkSigner(settings.secret_keys),
                             on_telegram_update=update_receiver(app)))  # through the update processor
    port = int(settings.telegram_webhook_url.split(":")[2].split("/")[0])
    server = uvicorn.Server(uvicorn.Config(web, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on", access_log=False))
    task = asyncio.create_task(server.serve())
    while not server.started and not task.done():
        await asyncio.sleep(0.02)
    await app.bot.set_webhook(settings.telegram_webhook_url, secret_token=SECRET)
    return server, task


async def _presses(jobs: list[Callable[[], Awaitable[float]]], concurrency: int) -> tuple[list[float], float]:
    """Run the press jobs, `concurrency` at a time; returns their latencies and the wall time."""
    gate = asyncio.Semaphore(concurrency)

    async def one(job: Callable[[], Awaitable[float]]) -> float:
        async with gate:
            return await job()

    start = time.perf_counter()
    latencies = await asyncio.gather(*(one(j) for j in jobs))
    return list(latencies), time.perf_counter() - start


async def _again(call: Callable[[], Awaitable[Any]]) -> Any:
    """Once more if a kept-alive connection was closed under us (an overloaded server's keep-alive race)."""
    try:
        return await call()
    except httpx.RemoteProtocolError:
        return await call()


async def _paced(jobs: list[Callable[[], Awaitable[float]]], rate: float) -> tuple[list[float], float]:
    """Start the press jobs at `rate` per second whatever their progress (open loop): latencies, wall time."""
    start = time.perf_counter()
    running = []
    for n, job in enumerate(jobs):
        await asyncio.sleep(max(0.0, start + n / rate - time.perf_counter()))
        running.append(asyncio.create_task(job()))
    latencies = await asyncio.gather(*running)
    return list(latencies), time.perf_counter() - start


async def _measure(workdir: Path, k: int, concurrency: int) -> dict[str, tuple[list[float], float]]:
    db = sqlite_db(workdir, f"buttons{k}")
    out: dict[str, tuple[list[float], float]] = {}
    with SandboxProcess(global_per_second=LIMIT) as sandbox:
        async with SandboxClient(sandbox.url) as client, \
                httpx.AsyncClient(base_url=f"{sandbox.url}/sandbox", timeout=30) as http:
            users = await _create_users(client, k, "B")
            ids = linked_people(db, users)
            tasks.assign(db.uow(), Actor.telegram(make_admin(db)), tasks.AssignmentSpec(
                title="Lab report", person_ids=ids, due_at=db.clock.now() + timedelta(days=2)))
            with db.uow(readonly=True) as uow:
                task_of = dict(uow.session.execute(select(Task.assignee_id, Task.id)).tuples().all())
            chats = [u["id"] for u in users]
            tasks_by_chat = {u["id"]: task_of[pid] for u, pid in zip(users, ids, strict=True)}

            settings = bench_settings(str(db.engine.url), sandbox.url,
                                      telegram_webhook_url=f"http://127.0.0.1:{free_port()}/telegram/webhook",
                                      telegram_webhook_secret=SECRET)
            deps = bench_bot_deps(settings, db)
            app = build_application(deps, TOKEN, sandbox.url, per_second=float(LIMIT), updater=False)
            await app.initialize()
            await app.post_init(app)  # type: ignore[misc]
            await app.start()
            await build_delivery(app, deps, DeliveryConfig(per_second=float(LIMIT), idle_poll=0.05)).drain(120)
            cards = {c: (await client.bot_messages(c))[0]["message_id"] for c in chats}
            server, served = await _serve_web(settings, db, app)
            await asyncio.sleep(1.1)  # the cards were just sent: 1 message per chat per second

            missed: list[int] = []

            def press_and_wait_edit(chat: int, data: str) -> Callable[[], Awaitable[float]]:
                async def job() -> float:
                    version = (await _again(lambda: client.chat(chat)))["version"]
                    start = time.perf_counter()
                    await _again(lambda: client.press_button(chat, cards[chat], data))
                    r = await http.get(f"/chats/{chat}/wait", params={
                        "after_message_id": 1 << 30, "since_version": version, "timeout": 60}, timeout=70)
                    if r.status_code != 200:  # no edit within 60 s: counted, its latency taken as 60 s
                        missed.append(chat)
                        return 60.0
                    return time.perf_counter() - start
                return job

            try:
                progress(f"buttons: {k} people press Start ({concurrency} at once), webhook")
                out["start"] = await _presses(
                    [press_and_wait_edit(c, f"task:start:{tasks_by_chat[c]}") for c in chats], concurrency)
                await asyncio.sleep(1.1)  # the per-chat limit: 1 message (edit) per second
                progress(f"buttons: {k} people press Complete at {PACED_RATE} presses/s (open loop), webhook")
                out["missed"] = ([float(len(missed))], 0.0)
                out["complete"] = await _paced(
                    [press_and_wait_edit(c, f"task:complete:{tasks_by_chat[c]}") for c in chats], PACED_RATE)
                out["missed_paced"] = ([float(len(missed)) - out["missed"][0][0]], 0.0)
                await asyncio.sleep(1.1)
            finally:
                server.should_exit = True
                await served
                await app.stop()
                await app.shutdown()

            # Baseline: the same transport, a handler that only answers the callback.
            base_url, base_file_url = bot_api_urls(sandbox.url)
            bare = (Application.builder().token(TOKEN).base_url(base_url).base_file_url(base_file_url)
                    .updater(None).job_queue(None).concurrent_updates(PerChatUpdates(8)).build())

            async def answer_only(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
                assert update.callback_query is not None
                await update.callback_query.answer()

            bare.add_handler(CallbackQueryHandler(answer_only))
            await bare.initialize()
            await bare.start()
            base_settings = bench_settings(
                str(db.engine.url), sandbox.url, telegram_webhook_secret=SECRET,
                telegram_webhook_url=f"http://127.0.0.1:{free_port()}/telegram/webhook")
            server, served = await _serve_web(base_settings, db, bare)

            def press_and_wait_answer(chat: int, data: str) -> Callable[[], Awaitable[float]]:
                async def job() -> float:
                    start = time.perf_counter()
                    query = await client.press_button(chat, cards[chat], data, forge=True)
                    answer = await client.callback_answer(query, wait=20)
                    if not answer:
                        raise TimeoutError(f"no answer in chat {chat}")
                    return time.perf_counter() - start
                return job

            try:
                progress(f"buttons baseline: {2 * k} presses answered by a bare Application")
                out["baseline"] = await _presses(
                    [press_and_wait_answer(c, f"noop:{i}") for i in range(2) for c in chats], concurrency)
            finally:
                server.should_exit = True
                await served
                await bare.stop()
                await bare.shutdown()
    db.engine.dispose()
    return out


def rows(workdir: Path, k: int = 200, concurrency: int = 100) -> list[Row]:
    out = asyncio.run(_measure(workdir, k, concurrency))
    closed, closed_seconds = out["start"]
    paced = out["complete"][0]
    base, base_seconds = out["baseline"]
    ms = 1000
    note = f"sandbox and bot paced at {LIMIT} msg/s; webhook over up to 40 connections, per chat in order"
    return [
        Row("buttons: presses handled", f"K={k}, {concurrency} pressing at once", len(closed) / closed_seconds,
            "upd/s", len(base) / base_seconds, "answer-only handler",
            f"Start, press to edited card ({out['missed'][0][0]:.0f} not edited within 60 s); {note}"),
        Row("buttons: press -> edit p50", f"K={k}, {concurrency} at once", percentile(closed, 50) * ms, "ms",
            percentile(base, 50) * ms, "press -> answer, answer-only", "includes queueing behind presses in flight"),
        Row("buttons: press -> edit p99", f"K={k} at {PACED_RATE} presses/s", percentile(paced, 99) * ms, "ms",
            percentile(base, 99) * ms, "press -> answer, answer-only", f"Complete, open loop (goal < 100 ms); {out['missed_paced'][0][0]:.0f} not edited within 60 s"),
    ]
