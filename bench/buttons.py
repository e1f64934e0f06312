"""Row 3: K people press Start then Complete; updates reach the bot by webhook through the web app.

Measured: updates handled per second and the latency from the press to the edited message.
Baseline: a bare python-telegram-bot Application whose CallbackQueryHandler only answers the
callback, behind the same web app and webhook (latency: press to the answer)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

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
from bench.profiling import all_threads
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

PROFILE: io.StringIO | None = None  # set by `--profile`: the Start phase under cProfile (all threads)
ROOT = Path(__file__).resolve().parent.parent
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


async def _press_elsewhere(sandbox: SandboxProcess, mode: str, presses: list[tuple[int, int, str]],
                           **how: float) -> dict[str, Any]:
    """Run the presses in a `bench.presser` process (the load generator must not share the bot's
    interpreter); returns its {"latencies", "wall", "missed"}."""
    spec = json.dumps({"sandbox": sandbox.url, "mode": mode, "presses": presses, **how}).encode()
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bench.presser", cwd=ROOT,
                                                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    cpu, sandbox_cpu = time.process_time(), sandbox.cpu_seconds()
    out, _ = await proc.communicate(spec)
    if proc.returncode != 0:
        raise RuntimeError(f"bench.presser exited {proc.returncode}")
    result = json.loads(out)
    result["cpu"] = time.process_time() - cpu  # this process's (the web app's and the bot's) CPU seconds
    result["sandbox_cpu"] = sandbox.cpu_seconds() - sandbox_cpu
    return result


async def _measure(workdir: Path, k: int, concurrency: int) -> dict[str, tuple[list[float], float]]:
    db = sqlite_db(workdir, f"buttons{k}")
    out: dict[str, tuple[list[float], float]] = {}
    with SandboxProcess(global_per_second=LIMIT) as sandbox:
        async with SandboxClient(sandbox.url) as client:
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

            start_presses = [(c, cards[c], f"task:start:{tasks_by_chat[c]}") for c in chats]
            complete_presses = [(c, cards[c], f"task:complete:{tasks_by_chat[c]}") for c in chats]
            try:
                progress(f"buttons: {k} people press Start ({concurrency} at once), webhook")
                with all_threads(PROFILE, 40) if PROFILE is not None else contextlib.nullcontext():
                    out["start"] = await _press_elsewhere(sandbox, "wait_edit", start_presses,
                                                          concurrency=concurrency)
                await asyncio.sleep(1.1)  # the per-chat limit: 1 message (edit) per second
                progress(f"buttons: {k} people press Complete at {PACED_RATE} presses/s (open loop), webhook")
                out["complete"] = await _press_elsewhere(sandbox, "wait_edit", complete_presses,
                                                         rate=PACED_RATE)
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

            try:
                progress(f"buttons baseline: {2 * k} presses answered by a bare Application")
                out["baseline"] = await _press_elsewhere(
                    sandbox, "wait_answer", [(c, cards[c], f"noop:{i}") for i in range(2) for c in chats],
                    concurrency=concurrency)
            finally:
                server.should_exit = True
                await served
                await bare.stop()
                await bare.shutdown()
    db.engine.dispose()
    return out


def profile(workdir: Path, k: int = 200, concurrency: int = 100) -> str:
    """The Start phase of the row under cProfile (the web app's and the bot's threads), as text."""
    global PROFILE
    PROFILE = io.StringIO()
    try:
        asyncio.run(_measure(workdir, k, concurrency))
        return f"Row 3 profile: {k} Start presses, {concurrency} at once\n{PROFILE.getvalue()}"
    finally:
        PROFILE = None


def rows(workdir: Path, k: int = 200, concurrency: int = 100) -> list[Row]:
    out = asyncio.run(_measure(workdir, k, concurrency))
    closed, paced, base = out["start"], out["complete"], out["baseline"]
    ms = 1000
    note = (f"sandbox and bot paced at {LIMIT} msg/s; webhook over up to 40 connections, per chat in order; "
            "the pressing runs in a process of its own")
    return [
        Row("buttons: CPU per press", f"K={k}, {concurrency} pressing at once",
            closed["cpu"] / len(closed["latencies"]) * ms, "ms", base["cpu"] / len(base["latencies"]) * ms,
            "answer-only handler", "CPU time of the process running the web app and the bot, per press handled "
                                   "(all threads); 1000 / this = presses/s one core could handle"),
        Row("buttons: sandbox CPU per press", f"K={k}, {concurrency} pressing at once",
            closed["sandbox_cpu"] / len(closed["latencies"]) * ms, "ms",
            base["sandbox_cpu"] / len(base["latencies"]) * ms, "answer-only handler",
            "the fake Telegram's share (its own process): press, webhook, answer, edit, the presser's waits"),
        Row("buttons: presses handled", f"K={k}, {concurrency} pressing at once",
            len(closed["latencies"]) / closed["wall"], "upd/s", len(base["latencies"]) / base["wall"],
            "answer-only handler",
            f"Start, press to edited card ({closed['missed']} not edited within 60 s); {note}"),
        Row("buttons: press -> edit p50", f"K={k}, {concurrency} at once", percentile(closed["latencies"], 50) * ms,
            "ms", percentile(base["latencies"], 50) * ms, "press -> answer, answer-only",
            "includes queueing behind presses in flight"),
        Row("buttons: press -> edit p50", f"K={k} at {PACED_RATE} presses/s", percentile(paced["latencies"], 50) * ms,
            "ms", percentile(base["latencies"], 50) * ms, "press -> answer, answer-only",
            f"Complete, open loop; achieved {len(paced['latencies']) / paced['wall']:.0f} presses/s"),
        Row("buttons: press -> edit p99", f"K={k} at {PACED_RATE} presses/s", percentile(paced["latencies"], 99) * ms,
            "ms", percentile(base["latencies"], 99) * ms, "press -> answer, answer-only",
            f"Complete, open loop (goal < 100 ms); {paced['missed']} not edited within 60 s"),
    ]
