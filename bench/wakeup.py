"""Row 8: commit-to-send latency when idle, wired as `taskbell run` wires it: the delivery loop with its
default poll, a notification committed in another thread of the same process (as the web app and the
scheduler do), the sandbox in its own process. Baseline: the same with the wake-up off (poll only)."""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from pathlib import Path

from adapters import pg_wakeups
from bench.common import (
    TOKEN,
    Row,
    SandboxProcess,
    bench_bot_deps,
    bench_settings,
    linked_people,
    make_admin,
    pg_db,
    progress,
    sqlite_db,
    without_quiet_hours,
)
from bot.app import build_application, build_delivery
from bot.delivery import DeliveryConfig
from domain.actors import Actor
from domain.database import make_engine
from domain.models import Priority
from domain.tasks import services as tasks
from domain.uow import Database
from tgsandbox.client import SandboxClient


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def _measure(workdir: Path, n: int, wake: bool, across: bool = False) -> list[float]:
    """Seconds from each commit to its sendMessage returning; one notification at a time, idle between.

    `across`: on PostgreSQL, the commits come from another Database (its own engine and connections, no
    listener of the loop's: as another process's would) and only LISTEN/NOTIFY wakes the loop."""
    sender_db = None
    if across:
        sender_db = pg_db("taskbell_bench_wakeup")
        if sender_db is None:
            return []
        sender_db = without_quiet_hours(sender_db)
        db = Database.from_engine(make_engine(sender_db.engine.url.render_as_string(hide_password=False)))
    else:
        db = sqlite_db(workdir, f"wakeup_{'on' if wake else 'off'}")
    writer = sender_db or db
    with SandboxProcess() as sandbox:
        async with SandboxClient(sandbox.url) as client:
            users = [await client.create_user(f"W{i}") for i in range(n)]  # one chat each: no per-chat pacing
            admin = make_admin(db)
            ids = linked_people(db, users)
            deps = bench_bot_deps(bench_settings(str(db.engine.url), sandbox.url), db)
            app = build_application(deps, TOKEN, sandbox.url, updater=False)
            await app.initialize()
            loop = build_delivery(app, deps, DeliveryConfig(wake_on_commit=wake and not across))  # default poll
            committed = [0.0]  # when the last commit ended: our listener runs just before the loop's
            writer.outbox_listeners.insert(0, lambda: committed.__setitem__(0, time.perf_counter()))
            listening = asyncio.create_task(pg_wakeups.listen(str(db.engine.url.render_as_string(
                hide_password=False)), loop.wake)) if across and wake else None
            latencies: list[float] = []
            done = asyncio.Event()
            call = loop._call

            async def timed_call(chat_id, rendered):  # type: ignore[no-untyped-def]
                result = await call(chat_id, rendered)
                latencies.append(time.perf_counter() - committed[0])
                done.set()
                return result

            loop._call = timed_call  # type: ignore[method-assign]
            running = asyncio.create_task(loop.run())
            rng = random.Random(14)
            try:
                for pid in ids:
                    await asyncio.sleep(rng.uniform(0.6, 1.2))  # idle: the loop is waiting
                    done.clear()

                    await asyncio.to_thread(tasks.assign, writer.uow(), Actor.telegram(admin), tasks.AssignmentSpec(
                        title="Read chapter 3", person_ids=[pid], priority=Priority.URGENT))
                    await asyncio.wait_for(done.wait(), 30)
            finally:
                if listening is not None:
                    listening.cancel()
                await loop.stop()
                await running
                await app.shutdown()
    db.engine.dispose()
    if sender_db is not None:
        sender_db.engine.dispose()
    return latencies


def rows(workdir: Path, n: int = 40) -> list[Row]:
    out = {}
    for wake in (False, True):
        progress(f"wake-up: {n} notifications one at a time, wake-up {'on' if wake else 'off (poll only)'}")
        out[wake] = asyncio.run(_measure(workdir, n, wake))
    on, off = out[True], out[False]
    poll = DeliveryConfig().idle_poll
    note = (f"p50 {statistics.median(on) * 1000:.0f} ms, max {max(on) * 1000:.0f} ms (goal p95 < 1 s); poll only "
            f"(idle_poll {poll:g} s): p50 {statistics.median(off) * 1000:.0f} ms, p95 {percentile(off, 95) * 1000:.0f} ms")
    rows_ = [Row("wake-up latency (commit to send, idle)", f"N={n} one at a time", percentile(on, 95) * 1000,
                 "ms p95", percentile(off, 95) * 1000, "poll only, p95", note)]
    progress(f"wake-up across processes (PostgreSQL LISTEN/NOTIFY): {n} notifications, then poll only")
    across = {wake: asyncio.run(_measure(workdir, n, wake, across=True)) for wake in (True, False)}
    if across[True] and across[False]:
        on, off = across[True], across[False]
        rows_.append(Row("wake-up across processes (PG NOTIFY)", f"N={n} one at a time", percentile(on, 95) * 1000,
                         "ms p95", percentile(off, 95) * 1000, "poll only, p95",
                         f"p50 {statistics.median(on) * 1000:.0f} ms, max {max(on) * 1000:.0f} ms (goal p95 < 1 s)"))
    return rows_
