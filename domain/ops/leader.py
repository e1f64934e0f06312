"""One scheduler leads at a time: a lease row taken when free or lapsed, renewed while alive."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from domain.models import SchedulerLease
from domain.uow import UnitOfWork

LEASE = timedelta(seconds=30)


def acquire(uow: UnitOfWork, name: str, holder: str, jobs: dict[str, Any] | None = None,
            ttl: timedelta = LEASE) -> bool:
    """Take or renew the lease; True while `holder` leads. Writes the heartbeat too."""
    with uow:
        now = uow.now
        values: dict[str, Any] = {"holder": holder, "expires_at": now + ttl, "heartbeat_at": now}
        if jobs is not None:
            values["jobs"] = jobs
        taken = uow.session.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == name,
                   or_(SchedulerLease.holder == holder, SchedulerLease.expires_at <= now))
            .values(**values).execution_options(synchronize_session=False)).rowcount
        if taken == 1:
            uow.commit()
            return True
        if uow.session.get(SchedulerLease, name) is not None:
            return False
        uow.session.add(SchedulerLease(name=name, **{"jobs": {}, **values}))
        try:
            uow.commit()
        except IntegrityError:  # another scheduler created it first
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
