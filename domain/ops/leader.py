"""One scheduler leads at a time: a lease row taken when free or lapsed, renewed while alive.

Each takeover by another holder increments the lease's epoch. A job run carries the epoch its
scheduler held when it started and checks it in its own transactions (`fence`): a leader that was
paused past its lease and has been replaced stops instead of running the job a second time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.models import SchedulerLease
from domain.uow import UnitOfWork

LEASE = timedelta(seconds=30)


class LeaseLost(Exception):
    """This scheduler no longer holds the lease epoch its job started under: the job must stop."""


def take(uow: UnitOfWork, name: str, holder: str, jobs: dict[str, Any] | None = None,
         ttl: timedelta = LEASE) -> int | None:
    """Take or renew the lease; the epoch `holder` leads in, or None while another leads."""
    with uow:
        now = uow.now
        values: dict[str, Any] = {"holder": holder, "expires_at": now + ttl, "heartbeat_at": now}
        if jobs is not None:
            values["jobs"] = jobs
        taken = uow.session.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == name,
                   or_(SchedulerLease.holder == holder, SchedulerLease.expires_at <= now))
            .values(**values, epoch=case((SchedulerLease.holder == holder, SchedulerLease.epoch),
                                         else_=SchedulerLease.epoch + 1))
            .execution_options(synchronize_session=False)).rowcount
        if taken == 1:
            epoch = uow.session.scalar(select(SchedulerLease.epoch).where(SchedulerLease.name == name))
            uow.commit()
            return epoch
        if uow.session.get(SchedulerLease, name) is not None:
            return None
        uow.session.add(SchedulerLease(name=name, epoch=1, **{"jobs": {}, **values}))
        try:
            uow.commit()
        except IntegrityError:  # another scheduler created it first
            return None
        return 1


def acquire(uow: UnitOfWork, name: str, holder: str, jobs: dict[str, Any] | None = None,
            ttl: timedelta = LEASE) -> bool:
    """Take or renew the lease; True while `holder` leads. Writes the heartbeat too."""
    return take(uow, name, holder, jobs, ttl) is not None


def fence(name: str, holder: str, epoch: int) -> Callable[[Session, datetime], None]:
    """A check for Database.fenced: the transaction commits only while `holder` holds `epoch`, unlapsed.

    On PostgreSQL the lease row is read FOR SHARE, so a takeover waits for the transaction to end.
    """
    def check(session: Session, now: datetime) -> None:
        row = session.execute(select(SchedulerLease.holder, SchedulerLease.epoch, SchedulerLease.expires_at)
                              .where(SchedulerLease.name == name).with_for_update(read=True)).first()
        if row is None or row.holder != holder or row.epoch != epoch or row.expires_at <= now:
            raise LeaseLost(f"the {name!r} lease is no longer held by {holder} in epoch {epoch}")
    return check


def holds(uow: UnitOfWork, name: str, holder: str, epoch: int) -> bool:
    """True while `holder` still holds the lease in `epoch` and it has not lapsed (one transaction)."""
    with uow:
        try:
            fence(name, holder, epoch)(uow.session, uow.now)
        except LeaseLost:
            return False
        return True


def release(uow: UnitOfWork, name: str, holder: str) -> None:
    """Give the lease up now if `holder` holds it (another scheduler may take it at once)."""
    with uow:
        uow.session.execute(update(SchedulerLease).where(SchedulerLease.name == name,
                                                         SchedulerLease.holder == holder)
                            .values(expires_at=uow.now).execution_options(synchronize_session=False))
        uow.commit()


def read(uow: UnitOfWork, name: str) -> SchedulerLease | None:
    """The lease row as it stands, or None if no scheduler has taken it yet."""
    with uow:
        return uow.session.get(SchedulerLease, name)
