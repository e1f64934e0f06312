"""Delivery workers and their heartbeats: whose outbox claims are still held, and whose are free again.

Each process that drains the outbox is a worker with an id; it writes `last_seen` every few seconds.
A worker whose heartbeat lapsed (HEARTBEAT_LAPSE), or that stopped, or that a successor on the same
host found dead, holds nothing: the rows it had claimed are due again (see outbox.claim_due).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, select, update

from domain.models import DeliveryWorker
from domain.uow import UnitOfWork

# A worker beats every few seconds; one silent for this long is taken for dead.
HEARTBEAT_LAPSE = timedelta(seconds=15)
# Rows of workers gone this long are forgotten.
FORGET_AFTER = timedelta(days=7)


@dataclass(frozen=True)
class WorkerId:
    """Who a worker is: its unique id, and the host and process it runs as."""

    id: str
    host: str
    pid: int


def live_ids(now: datetime, lapse: timedelta = HEARTBEAT_LAPSE) -> Select[tuple[str]]:
    """The ids of the workers alive at `now` (for use inside a claim's query)."""
    return select(DeliveryWorker.id).where(DeliveryWorker.stopped_at.is_(None),
                                           DeliveryWorker.last_seen > now - lapse)


def register(uow: UnitOfWork, me: WorkerId, is_running: Callable[[int], bool]) -> list[str]:
    """Record this worker as alive and declare dead the workers on this host whose process is gone.

    Returns the ids declared dead: their claims are due again at once, without waiting for their
    heartbeat to lapse (a restart after kill -9 resends what the killed process held straight away).
    """
    with uow:
        now = uow.now
        uow.session.execute(delete(DeliveryWorker).where(DeliveryWorker.last_seen < now - FORGET_AFTER)
                            .execution_options(synchronize_session=False))
        others = uow.session.execute(select(DeliveryWorker.id, DeliveryWorker.pid).where(
            DeliveryWorker.host == me.host, DeliveryWorker.id != me.id,
            DeliveryWorker.stopped_at.is_(None))).all()
        dead = [wid for wid, pid in others if pid == me.pid or not is_running(pid)]
        if dead:
            uow.session.execute(update(DeliveryWorker).where(DeliveryWorker.id.in_(dead))
                                .values(stopped_at=now).execution_options(synchronize_session=False))
        _upsert(uow, me, now)
        uow.commit()
    return dead


def beat(uow: UnitOfWork, me: WorkerId) -> bool:
    """Write this worker's heartbeat. False if it was not alive in the others' eyes until now
    (its heartbeat had lapsed, or it was declared dead): its claims may have been taken since."""
    with uow:
        now = uow.now
        row = uow.session.get(DeliveryWorker, me.id)
        was_alive = (row is not None and row.stopped_at is None
                     and row.last_seen > now - HEARTBEAT_LAPSE)
        _upsert(uow, me, now)
        uow.commit()
    return was_alive


def retire(uow: UnitOfWork, me: WorkerId) -> None:
    """A clean stop: this worker holds nothing from now on."""
    with uow:
        uow.session.execute(update(DeliveryWorker).where(DeliveryWorker.id == me.id)
                            .values(stopped_at=uow.now).execution_options(synchronize_session=False))
        uow.commit()


def _upsert(uow: UnitOfWork, me: WorkerId, now: datetime) -> None:
    done = uow.session.execute(update(DeliveryWorker).where(DeliveryWorker.id == me.id)
                               .values(last_seen=now, stopped_at=None)
                               .execution_options(synchronize_session=False)).rowcount
    if not done:
        uow.session.add(DeliveryWorker(id=me.id, host=me.host, pid=me.pid, started_at=now, last_seen=now))
        uow.session.flush()
