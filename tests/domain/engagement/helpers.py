"""A bare assignment row to hang hand-made history tasks on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert

from domain.models import Assignment
from domain.uow import Database


def assignment(db: Database, assigner_id: int, created: datetime) -> int:
    with db.uow() as uow:
        aid = uow.session.execute(insert(Assignment).values(
            title="x", assigner_id=assigner_id, targets={}, created_at=created).returning(Assignment.id)).scalar_one()
        uow.commit()
    return aid
