"""One process sends with the bot token at a time: a lease row (the scheduler's table, its own name).

Telegram's limits belong to the token, not to a process: processes pacing on their own overrun them
together. So only the holder of the `telegram-sender` lease claims and sends the outbox; the other bot
processes stand by and take the lease once it lapses (a holder killed with -9 stops renewing it). The
taker declares the previous holder's delivery worker stopped in the same transaction, so the rows that
worker had claimed are due again at once (domain.workers, outbox.claim_due): nothing is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from domain.models import DeliveryWorker, SchedulerLease
from domain.uow import UnitOfWork

NAME = "telegram-sender"
# Renewed every ~1.5 s; a holder sends only while its last renewal is younger than FRESH_FOR, and
# another takes over only once TTL has passed: the gap (> 1 s, Telegram's per-second window) keeps
# the old holder's last sends and the new holder's first ones out of one window.
TTL = timedelta(seconds=6)
FRESH_FOR = timedelta(seconds=4)


@dataclass(frozen=True)
class Lead:
    """The lease as its taker holds it: the epoch, whom it was taken from, and whether it had lapsed."""

    epoch: int
    taken_from: str | None = None
    lapsed: bool = False


def take(uow: UnitOfWork, holder: str, ttl: timedelta = TTL, name: str = NAME,
         gone: Callable[[str], bool] = lambda _holder: False) -> Lead | None:
    """Take or renew the sending lease for `holder` (a delivery worker id); None while another holds it,
    unless `gone(that holder)` says its process has ended (a restart on the same host takes over at once)."""
    with uow:
        now = uow.now
        row = uow.session.scalars(select(SchedulerLease).where(SchedulerLease.name == name)
                                  .with_for_update()).first()
        if row is None:
            uow.session.add(SchedulerLease(name=name, holder=holder, expires_at=now + ttl, heartbeat_at=now,
                                           jobs={}, epoch=1))
            try:
                uow.commit()
            except IntegrityError:  # another process created it first
                return None
            return Lead(1)
        if row.holder != holder and row.expires_at > now and not gone(row.holder):
            return None
        lead = Lead(row.epoch, lapsed=row.expires_at <= now)
        if row.holder != holder:
            lead = Lead(row.epoch + 1, taken_from=row.holder, lapsed=True)
            # The previous holder sends no more (its renewal lapsed): what it had claimed is due now.
            uow.session.execute(update(DeliveryWorker).where(DeliveryWorker.id == row.holder,
                                                             DeliveryWorker.stopped_at.is_(None))
                                .values(stopped_at=now).execution_options(synchronize_session=False))
        row.holder, row.expires_at, row.heartbeat_at, row.epoch = holder, now + ttl, now, lead.epoch
        uow.commit()
        return lead


def release(uow: UnitOfWork, holder: str, name: str = NAME) -> None:
    """A clean stop: the lease is free now (the holder waited out its last send's one-second window)."""
    with uow:
        uow.session.execute(update(SchedulerLease).where(SchedulerLease.name == name,
                                                         SchedulerLease.holder == holder)
                            .values(expires_at=uow.now).execution_options(synchronize_session=False))
        uow.commit()


def holder(uow: UnitOfWork, name: str = NAME) -> str | None:
    """Who holds the sending lease now (None when free or lapsed)."""
    with uow:
        row = uow.session.get(SchedulerLease, name)
        return row.holder if row is not None and row.expires_at > uow.now else None
