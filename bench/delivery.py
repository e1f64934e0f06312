"""Row 2: N notifications through the real delivery loop to the sandbox (own process) limited to L msg/s."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench.common import (
    TOKEN,
    Row,
    SandboxProcess,
    bench_bot_deps,
    bench_settings,
    linked_people,
    make_admin,
    progress,
    sqlite_db,
)
from bot.app import build_application, build_delivery
from bot.delivery import DeliveryConfig
from domain.actors import Actor
from domain.models import Notification
from domain.tasks import services as tasks
from tgsandbox.client import SandboxClient


async def _create_users(client: SandboxClient, n: int, prefix: str) -> list[dict]:
    users: list[dict] = []
    for start in range(0, n, 50):  # 50 at a time: bounded concurrency
        users += await asyncio.gather(*(client.create_user(f"{prefix}{i}") for i in range(start, min(n, start + 50))))
    return users


async def _measure(workdir: Path, n: int, limit: int) -> tuple[float, int, dict[str, int], float, float]:
    db = sqlite_db(workdir, f"delivery_{limit}_{n}")
    with SandboxProcess(global_per_second=limit) as sandbox:
        async with SandboxClient(sandbox.url) as client:
            users = await _create_users(client, n, "D")
            admin = make_admin(db)
            ids = linked_people(db, users)
            tasks.assign(db.uow(), Actor.telegram(admin), tasks.AssignmentSpec(
                title="Read chapter 3", person_ids=ids, due_at=db.clock.now() + timedelta(days=2)))
            settings = bench_settings(str(db.engine.url), sandbox.url)
            deps = bench_bot_deps(settings, db)
            app = build_application(deps, TOKEN, sandbox.url, per_second=float(limit), updater=False)
            await app.initialize()
            try:
                loop = build_delivery(app, deps, DeliveryConfig(per_second=float(limit), idle_poll=0.05))
                sent_at: list[float] = []
                claim: list[float] = []
                call, claim_and_render = loop._call, loop._claim_and_render

                async def timed_call(chat_id, rendered):  # type: ignore[no-untyped-def]
                    result = await call(chat_id, rendered)
                    sent_at.append(time.perf_counter())
                    return result

                def timed_claim(limit_):  # type: ignore[no-untyped-def]
                    t = time.perf_counter()
                    out = claim_and_render(limit_)
                    if out:
                        claim.append(time.perf_counter() - t)
                    return out

                loop._call, loop._claim_and_render = timed_call, timed_claim  # type: ignore[method-assign]
                await client.reset_stats()
                progress(f"delivery: {n} notifications to {n} chats at L={limit}/s")
                start = time.perf_counter()
                await loop.drain(timeout=max(60.0, 5 * n / limit))
                seconds = time.perf_counter() - start
                stats = await client.stats()
            finally:
                await app.shutdown()
    with db.uow(readonly=True) as uow:
        statuses = {s.value: c for s, c in uow.session.execute(
            select(Notification.status, func.count()).group_by(Notification.status))}
    db.engine.dispose()
    window = (len(sent_at) - 1) / (sent_at[-1] - sent_at[0]) if len(sent_at) > 1 else float("nan")
    return seconds, int(stats["too_many_requests"]), statuses, window, sum(claim)


def rows(workdir: Path, sizes: tuple[tuple[int, int], ...] = ((300, 30), (600, 300))) -> list[Row]:
    out = []
    for n, limit in sizes:
        seconds, too_many, statuses, window, claiming = asyncio.run(_measure(workdir, n, limit))
        rate = statuses.get("sent", 0) / seconds
        out.append(Row(f"delivery (L={limit}/s)", f"N={n:,} to {n:,} chats", rate, "msg/s", float(limit),
                       "sandbox global limit L",
                       f"share of L = ratio (goal >= 0.95); 429 answers: {too_many}; {seconds:.2f} s wall, of "
                       f"which {claiming:.2f} s claiming+rendering; between first and last send "
                       f"{window:.0f} msg/s ({window / limit:.2f} of L); outbox {statuses}"))
    return out
