"""Unit of work: one use case, one transaction, rolled back unless committed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from domain.clock import Clock, SystemClock
from domain.database import make_session_factory

log = logging.getLogger(__name__)
OUTBOX_WRITTEN = "taskbell.outbox_written"  # a Session.info flag: this transaction wrote outbox rows
ORG_TZ = "taskbell.org_tz"  # Session.info: the organisation's time zone (domain.quiet reads it)
EMAIL_ON = "taskbell.email_on"  # Session.info: email can be sent (SMTP configured); else none is queued


# PostgreSQL: a transaction that wrote outbox rows notifies this channel; delivered when it commits,
# it wakes the sender in whichever process holds the sending lease (see adapters.pg_wakeups).
OUTBOX_CHANNEL = "taskbell_outbox"


def outbox_written(session: Session) -> None:
    """Note that this transaction wrote outbox rows, so listeners are told once it commits (in this
    process through Database.outbox_listeners, in the others by PostgreSQL's NOTIFY)."""
    if not session.info.get(OUTBOX_WRITTEN) and session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"NOTIFY {OUTBOX_CHANNEL}"))
    session.info[OUTBOX_WRITTEN] = True


@dataclass
class Database:
    """What services need from the outside world: sessions and a clock."""

    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    # Checked in each transaction just before it commits; raises to refuse the commit (a fenced job).
    fence: Callable[[Session, datetime], None] | None = None
    # Called after a transaction that wrote outbox rows commits (the delivery loop's wake-up in
    # this process); shared by the fenced copies. A listener must not block and never raises here.
    outbox_listeners: list[Callable[[], None]] = field(default_factory=list)
    timezone: str = "UTC"  # the organisation's (settings.timezone): for whoever set none of their own
    email_enabled: bool = False  # SMTP is configured: the outbox fans out to email (domain.mail.routing)

    @classmethod
    def from_engine(cls, engine: Engine, clock: Clock | None = None, timezone: str = "UTC") -> Database:
        return cls(engine, make_session_factory(engine), clock or SystemClock(), timezone=timezone)

    def fenced(self, fence: Callable[[Session, datetime], None]) -> Database:
        """The same database, with every commit checked by `fence` first (in the same transaction)."""
        return replace(self, fence=fence)

    def uow(self, *, readonly: bool = False) -> UnitOfWork:
        return UnitOfWork(self, readonly=readonly)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


class UnitOfWork:
    session: Session

    def __init__(self, db: Database, *, readonly: bool = False) -> None:
        self.db = db
        self.readonly = readonly
        self.clock = db.clock
        self._committed = False

    def __enter__(self) -> UnitOfWork:
        bind = self.db.engine.execution_options(readonly=True) if self.readonly else self.db.engine
        self.session = self.db.session_factory(bind=bind)
        self.session.info[ORG_TZ] = self.db.timezone
        self.session.info[EMAIL_ON] = self.db.email_enabled
        self.now = self.clock.now()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed and detaches the objects
        # without expiring them, so results stay readable after the block.
        self.session.close()

    def commit(self) -> None:
        if self.db.fence is not None:
            self.db.fence(self.session, self.clock.now())
        self.session.commit()
        self._committed = True
        if self.session.info.pop(OUTBOX_WRITTEN, False):
            for listener in list(self.db.outbox_listeners):
                try:
                    listener()
                except Exception:  # a wake-up is a hint: the poll still finds the rows
                    log.exception("an outbox listener failed")

    @property
    def dialect(self) -> str:
        return self.db.dialect
