"""PostgreSQL LISTEN: a notification committed by any process (web, scheduler, another bot) wakes the
delivery loop at once. Polling stays as the fallback; while the connection is down, only polling works."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import psycopg
from sqlalchemy.engine import make_url

from domain.uow import OUTBOX_CHANNEL

log = logging.getLogger(__name__)


def conninfo(database_url: str) -> str:
    """The libpq connection string of a SQLAlchemy PostgreSQL URL (any driver suffix dropped)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


async def listen(database_url: str, wake: Callable[[], None], channel: str = OUTBOX_CHANNEL,
                 retry_every: float = 2.0) -> None:
    """Call `wake` on each NOTIFY of `channel` until cancelled; reconnect after a failure."""
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(conninfo(database_url), autocommit=True) as conn:
                await conn.execute(f"LISTEN {channel}")
                wake()  # whatever was committed while nobody listened
                async for _ in conn.notifies():
                    wake()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database is away for a moment: polling carries on meanwhile
            log.warning("listening for outbox wake-ups failed (%s); again in %.0f s", exc, retry_every)
        await asyncio.sleep(retry_every)
