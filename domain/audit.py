"""The audit log: one entry per state change, in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from domain.actors import Actor
from domain.models import AuditEntry

USER_AGENT_MAX = 300  # the column's width; longer agents are cut


def record(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: int | str | None,
    at: datetime,
    **details: Any,
) -> None:
    session.execute(
        insert(AuditEntry).values(
            at=at,
            actor_id=actor.person_id,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            channel=actor.channel,
            ip=actor.ip,
            user_agent=(actor.user_agent or None) and actor.user_agent[:USER_AGENT_MAX],
            details=details,
        )
    )
