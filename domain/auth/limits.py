"""Sign-in budgets: how many codes a browser, an address and a phone may have sent per hour.

Each budget is one `signin_counters` row, locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite
writers already queue on BEGIN IMMEDIATE) while it is checked and counted, so concurrent requests
queue behind each other and exactly the limit gets through. Rows are locked in the order of their
keys, so two requests never wait on each other in a circle. A refused request counts nothing.

Why several budgets (see the README's sign-in paragraph): a stranger must not be able to spend a
person's budget. The phone's own limit is counted per address, so requests from elsewhere do not
use up what the person's own address may ask for; a larger phone-wide cap bounds what many
addresses together can send; a browser that has signed in as the phone's owner before (a signed
device cookie) skips the shared budgets and keeps only its own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from domain.models.auth import SigninCounter
from domain.uow import UnitOfWork

WINDOW = timedelta(hours=1)
PER_BROWSER_PER_HOUR = 5  # one browser (its sign-in cookie), any phone
PER_IP_PER_HOUR = 20  # one client address, any phone
PER_PHONE_PER_HOUR = 5  # one phone, asked for from one address
PER_PHONE_ALL_PER_HOUR = 15  # one phone, from every address together


@dataclass(frozen=True)
class Budget:
    name: str  # e.g. "ip:203.0.113.7" (only its hash is stored)
    limit: int

    @property
    def key(self) -> str:
        return hashlib.sha256(self.name.encode()).hexdigest()


def budgets(*, phone: str, ip: str | None, browser: str | None, trusted: bool) -> list[Budget]:
    """The budgets one code request spends; a trusted browser spends only its own."""
    mine = [Budget(f"browser:{browser}", PER_BROWSER_PER_HOUR)] if browser else []
    if trusted:
        return mine
    shared = [Budget(f"phone-from:{phone}|{ip or '-'}", PER_PHONE_PER_HOUR),
              Budget(f"phone:{phone}", PER_PHONE_ALL_PER_HOUR)]
    if ip:
        shared.append(Budget(f"ip:{ip}", PER_IP_PER_HOUR))
    return mine + shared


def _locked(uow: UnitOfWork, key: str, now: datetime) -> SigninCounter:
    """The counter row for `key`, created if missing, locked until the transaction ends."""
    dialect_insert = postgresql.insert if uow.dialect == "postgresql" else sqlite.insert
    # Waits for (and then ignores) a row another request is creating at the same moment.
    uow.session.execute(dialect_insert(SigninCounter).values(key=key, window_start=now, count=0)
                        .on_conflict_do_nothing(index_elements=["key"]))
    row = uow.session.scalar(select(SigninCounter).where(SigninCounter.key == key).with_for_update()
                             .execution_options(populate_existing=True))
    assert row is not None
    return row


def spend(uow: UnitOfWork, wanted: list[Budget]) -> bool:
    """Within an open uow: count one request against every budget, or against none (False) when
    any of them is spent. The rows stay locked until the caller commits or rolls back."""
    now = uow.now
    rows = []
    for budget in sorted(wanted, key=lambda b: b.key):
        row = _locked(uow, budget.key, now)
        if row.window_start + WINDOW <= now:
            row.window_start, row.count = now, 0
        rows.append((row, budget))
    if any(row.count >= budget.limit for row, budget in rows):
        return False
    for row, _budget in rows:
        row.count += 1
    uow.session.flush()
    return True


def prune(uow: UnitOfWork) -> None:
    """Forget counters whose hour is long over, in a transaction of its own (rows another request
    holds are skipped, never waited for)."""
    with uow:
        stale = (select(SigninCounter.key).where(SigninCounter.window_start <= uow.now - 2 * WINDOW)
                 .with_for_update(skip_locked=True))
        uow.session.execute(delete(SigninCounter).where(SigninCounter.key.in_(stale)))
        uow.commit()
