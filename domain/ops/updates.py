"""Which Telegram updates were handled already, across processes (webhook workers, restarts).

Checked before handling and recorded after, so a process dying mid-update lets Telegram's
redelivery through (at least once), while a redelivery of a handled update is dropped.
Ids are compared exactly, never by order: Telegram restarts its sequence after long quiet.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from domain.models import SeenUpdate
from domain.uow import UnitOfWork

KEEP = timedelta(days=2)


def was_handled(uow: UnitOfWork, update_id: int) -> bool:
    """Whether a Telegram update id was handled already (a redelivered update is then skipped)."""
    with uow:
        return uow.session.scalar(select(SeenUpdate.update_id).where(SeenUpdate.update_id == update_id)) is not None


def mark_handled(uow: UnitOfWork, update_id: int) -> None:
    """Record an update id as handled (recording it twice is harmless)."""
    mark_handled_many(uow, [update_id])


def mark_handled_many(uow: UnitOfWork, update_ids: list[int]) -> None:
    """Record update ids as handled in one transaction (ids recorded before are skipped)."""
    if not update_ids:
        return
    with uow:
        mod = postgresql if uow.dialect == "postgresql" else sqlite
        rows = [{"update_id": u, "handled_at": uow.now} for u in dict.fromkeys(update_ids)]
        uow.session.execute(mod.insert(SeenUpdate).values(rows).on_conflict_do_nothing(index_elements=["update_id"]))
        uow.commit()


def purge(uow: UnitOfWork) -> int:
    """Forget update ids handled more than KEEP ago; returns how many."""
    with uow:
        n = uow.session.execute(delete(SeenUpdate).where(SeenUpdate.handled_at < uow.now - KEEP)).rowcount
        uow.commit()
        return n
