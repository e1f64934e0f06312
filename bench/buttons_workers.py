"""Row 3b: the button presses of row 3 handled by `taskbell web --workers N` in webhook mode on
PostgreSQL, for N = 1, 2: how capacity grows with processes (the way to add it, README "Scaling out").

The sandbox, the pressing and the web workers are each their own processes; CPU per press is the
workers' CPU (read from /proc) divided by the presses handled."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from telegram import Bot

from bench.buttons import LIMIT, PACED_RATE, SECRET, _press_elsewhere
from bench.common import (
    KEY,
    TOKEN,
    Row,
    SandboxProcess,
    bench_bot_deps,
    bench_settings,
    free_port,
    linked_people,
    make_admin,
    percentile,
    pg_db,
    progress,
    wait_http,
)
from bench.delivery import _create_users
from bot.app import bot_api_urls, build_application, build_delivery
from bot.delivery import DeliveryConfig
from domain.actors import Actor
from domain.models import Task
from domain.tasks import services as tasks
from tgsandbox.client import SandboxClient

ROOT = Path(__file__).resolve().parent.parent


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and of its live children (the web workers)."""
    total = 0.0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


async def _measure(workdir: Path, k: int, concurrency: int, workers: int) -> dict[str, dict] | None:
    db = pg_db(f"bench_buttons_w{workers}")
    if db is None:
        return None
    out: dict[str, dict] = {}
    with SandboxProcess(global_per_second=LIMIT) as sandbox:
        async with SandboxClient(sandbox.url) as client:
            users = await _create_users(client, k, f"W{workers}")
            ids = linked_people(db, users)
            tasks.assign(db.uow(), Actor.telegram(make_admin(db)), tasks.AssignmentSpec(
                title="Lab report", person_ids=ids, due_at=db.clock.now() + timedelta(days=2)))
            with db.uow(readonly=True) as uow:
                task_of = dict(uow.session.execute(select(Task.assignee_id, Task.id)).all())
            chats = [u["id"] for u in users]
            by_chat = {u["id"]: task_of[pid] for u, pid in zip(users, ids, strict=True)}
            settings = bench_settings(str(db.engine.url), sandbox.url)
            deps = bench_bot_deps(settings, db)
            app = build_application(deps, TOKEN, sandbox.url, per_second=float(LIMIT), updater=False)
            await app.initialize()
            await build_delivery(app, deps, DeliveryConfig(per_second=float(LIMIT), idle_poll=0.05)).drain(120)
            await app.shutdown()
            cards = {c: (await client.bot_messages(c))[0]["message_id"] for c in chats}

            port = free_port()
            url = db.engine.url.render_as_string(hide_password=False)
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT), "DATABASE_URL": url,
                   "SECRET_KEYS": KEY, "WEB_PORT": str(port), "APP_BASE_URL": f"http://127.0.0.1:{port}",
                   "TIMEZONE": "Europe/London", "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": sandbox.url,
                   "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook",
                   "TELEGRAM_WEBHOOK_SECRET": SECRET, "TELEGRAM_RATE": str(LIMIT)}
            log = open(workdir / f"buttons-web-{workers}.log", "w")  # noqa: SIM115
            web = subprocess.Popen([sys.executable, "-m", "taskbell.cli", "web", "--workers", str(workers)],
                                   cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                wait_http(f"http://127.0.0.1:{port}/health", timeout=90, proc=web)
                base_url, base_file_url = bot_api_urls(sandbox.url)
                async with Bot(TOKEN, base_url=base_url, base_file_url=base_file_url) as bot:
                    await bot.set_webhook(env["TELEGRAM_WEBHOOK_URL"], secret_token=SECRET, max_connections=40)
                await asyncio.sleep(1.5)  # the cards were just sent: 1 message per chat per second
                for phase, action, how in (("start", "start", {"concurrency": concurrency}),
                                           ("complete", "complete", {"rate": PACED_RATE})):
                    progress(f"buttons, `taskbell web --workers {workers}` (PostgreSQL): {k} people press "
                             + (f"{action.title()} ({concurrency} at once)" if "concurrency" in how
                                else f"{action.title()} at {PACED_RATE} presses/s"))
                    cpu = _cpu_seconds(web.pid)
                    out[phase] = await _press_elsewhere(
                        sandbox, "wait_edit", [(c, cards[c], f"task:{action}:{by_chat[c]}") for c in chats], **how)
                    out[phase]["cpu"] = _cpu_seconds(web.pid) - cpu
                    await asyncio.sleep(1.1)
            finally:
                web.terminate()
                try:
                    web.wait(30)
                except subprocess.TimeoutExpired:
                    web.kill()
                    web.wait(5)
                log.close()
    db.engine.dispose()
    return out


def rows(workdir: Path, k: int = 200, concurrency: int = 100, web_workers: tuple[int, ...] = (1, 2)) -> list[Row]:
    results = {n: asyncio.run(_measure(workdir, k, concurrency, n)) for n in web_workers}
    if any(r is None for r in results.values()):
        progress("buttons through `taskbell web --workers N`: PostgreSQL is not reachable; skipped")
        return []
    one = results[web_workers[0]]
    out: list[Row] = []
    ms = 1000
    for n, r in results.items():
        start, paced = r["start"], r["complete"]
        size = f"K={k}, {n} web worker(s), PostgreSQL"
        out += [
            Row("buttons via WEB_WORKERS: presses handled", size, len(start["latencies"]) / start["wall"], "upd/s",
                len(one["start"]["latencies"]) / one["start"]["wall"], f"{web_workers[0]} worker(s)",
                f"Start, {concurrency} pressing at once; {start['missed']} not edited within 60 s; CPU of the web "
                f"processes per press {start['cpu'] / len(start['latencies']) * ms:.1f} ms"),
            Row("buttons via WEB_WORKERS: press -> edit p99", f"{size}, {PACED_RATE}/s",
                percentile(paced["latencies"], 99) * ms, "ms", percentile(paced["latencies"], 50) * ms, "p50",
                f"Complete, open loop at {PACED_RATE}/s (achieved {len(paced['latencies']) / paced['wall']:.0f}/s); "
                f"{paced['missed']} not edited within 60 s"),
        ]
    return out
