"""APScheduler 3 (AsyncIOScheduler) with a database lease so one scheduler in a deployment runs jobs."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from domain.ops import leader
from scheduler.jobs import AT_START, JOBS, JobContext

log = logging.getLogger(__name__)
LEASE_NAME = "main"
RENEW_SECONDS = 10


class Scheduler:
    """Registers every job; a job body runs only while this process holds the lease."""

    def __init__(self, ctx: JobContext, holder: str | None = None) -> None:
        self.ctx = ctx
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.is_leader = False
        self.runs: dict[str, dict[str, Any]] = {}
        self.aps = AsyncIOScheduler(timezone=ctx.org_tz, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": 120})
        for job_id, (_fn, trigger, args) in JOBS.items():
            self.aps.add_job(self.run_job, trigger, id=job_id, args=[job_id], replace_existing=True, **args)
        self.aps.add_job(self.renew, "interval", id="lease.renew", seconds=RENEW_SECONDS, replace_existing=True)

    def heartbeat(self) -> dict[str, Any]:
        return {"jobs": sorted(JOBS), "runs": self.runs}

    async def renew(self) -> bool:
        was = self.is_leader
        try:
            self.is_leader = await asyncio.to_thread(leader.acquire, self.ctx.db.uow(), LEASE_NAME, self.holder,
                                                     self.heartbeat())
        except Exception:  # cannot renew: stop leading, another scheduler may take over
            log.exception("renewing the scheduler lease failed")
            self.is_leader = False
        if self.is_leader and not was:
            log.info("scheduler %s leads; catching up", self.holder)
            for job_id in AT_START:
                await self.run_job(job_id)
        elif was and not self.is_leader:
            log.warning("scheduler %s lost the lead", self.holder)
        return self.is_leader

    async def run_job(self, job_id: str) -> str | None:
        if not self.is_leader:
            return None
        fn = JOBS[job_id][0]
        started = self.ctx.db.clock.now()
        try:
            result = await asyncio.to_thread(fn, self.ctx)
        except Exception as exc:
            log.exception("job %s failed", job_id)
            self.runs[job_id] = {"at": started.isoformat(), "ok": False, "result": f"{type(exc).__name__}: {exc}"}
            return None
        self.runs[job_id] = {"at": started.isoformat(), "ok": True, "result": result}
        log.debug("job %s: %s", job_id, result)
        return result

    async def start(self) -> None:
        self.aps.start()
        await self.renew()

    async def stop(self) -> None:
        self.aps.shutdown(wait=False)
        if self.is_leader:
            await asyncio.to_thread(leader.release, self.ctx.db.uow(), LEASE_NAME, self.holder)
            self.is_leader = False
