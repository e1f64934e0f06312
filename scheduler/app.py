"""APScheduler 3 (AsyncIOScheduler) with a database lease so one scheduler in a deployment runs jobs."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import replace
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from domain.ops import leader
from scheduler.jobs import AT_START, JOBS, JobContext

log = logging.getLogger(__name__)
LEASE_NAME = "main"
RENEW_SECONDS = 10


class Scheduler:
    """Registers every job; a job body runs only while this process holds the lease, fenced by its epoch."""

    def __init__(self, ctx: JobContext, holder: str | None = None, *, lease: timedelta = leader.LEASE,
                 renew_seconds: float = RENEW_SECONDS) -> None:
        self.ctx = ctx
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.lease = lease
        self.is_leader = False
        self.epoch: int | None = None  # the lease epoch this scheduler leads in
        self.fenced = 0  # job runs stopped because the lease had moved on
        self.runs: dict[str, dict[str, Any]] = {}
        self.aps = AsyncIOScheduler(timezone=ctx.org_tz, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": 120})
        for job_id, (_fn, trigger, args) in JOBS.items():
            self.aps.add_job(self.run_job, trigger, id=job_id, args=[job_id], replace_existing=True, **args)
        self.aps.add_job(self.renew, "interval", id="lease.renew", seconds=renew_seconds, replace_existing=True)

    def heartbeat(self) -> dict[str, Any]:
        return {"jobs": sorted(JOBS), "runs": self.runs}

    async def renew(self) -> bool:
        was = self.is_leader
        try:
            self.epoch = await asyncio.to_thread(leader.take, self.ctx.db.uow(), LEASE_NAME, self.holder,
                                                 self.heartbeat(), self.lease)
        except Exception:  # cannot renew: stop leading, another scheduler may take over
            log.exception("renewing the scheduler lease failed")
            self.epoch = None
        self.is_leader = self.epoch is not None
        if self.is_leader and not was:
            log.info("scheduler %s leads; catching up", self.holder)
            for job_id in AT_START:
                await self.run_job(job_id)
        elif was and not self.is_leader:
            log.warning("scheduler %s lost the lead", self.holder)
        return self.is_leader

    async def run_job(self, job_id: str) -> str | None:
        """Run one job if this scheduler still leads: checked first in a transaction of its own, then
        at every commit the job makes (a paused leader that was replaced stops, whatever it believes)."""
        epoch = self.epoch
        if not self.is_leader or epoch is None:
            return None
        fn = JOBS[job_id][0]
        started = self.ctx.db.clock.now()
        try:
            if not await asyncio.to_thread(leader.holds, self.ctx.db.uow(), LEASE_NAME, self.holder, epoch):
                raise leader.LeaseLost(f"lease epoch {epoch} is no longer current")
            fenced = replace(self.ctx, db=self.ctx.db.fenced(leader.fence(LEASE_NAME, self.holder, epoch)))
            result = await asyncio.to_thread(fn, fenced)
        except leader.LeaseLost as exc:
            self.fenced += 1
            if self.epoch == epoch:  # not renewed meanwhile: stop leading until the lease says otherwise
                self.is_leader, self.epoch = False, None
            log.warning("job %s not run: scheduler %s no longer leads (%s)", job_id, self.holder, exc)
            return None
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
