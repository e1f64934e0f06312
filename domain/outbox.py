"""The transactional outbox: notification intents written with the change that causes them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from domain.models import Notification


@dataclass(frozen=True)
class Intent:
    kind: str
    recipient_id: int
    dedupe_key: str
    data: dict[str, Any] = field(default_factory=dict)
    subject_type: str | None = None
    subject_id: int | None = None


def enqueue(session: Session, intents: Iterable[Intent], now: datetime) -> int:
    """Insert notification rows in bulk; a dedupe key seen before is skipped, not an error."""
    rows = [
        {
            "kind": i.kind,
            "recipient_id": i.recipient_id,
            "dedupe_key": i.dedupe_key,
            "data": i.data,
            "subject_type": i.subject_type,
            "subject_id": i.subject_id,
            "next_attempt_at": now,
            "created_at": now,
        }
        for i in intents
    ]
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt = postgresql.insert(Notification).on_conflict_do_nothing(index_elements=["dedupe_key"])
    elif dialect == "sqlite":
        stmt = sqlite.insert(Notification).on_conflict_do_nothing(index_elements=["dedupe_key"])
    else:  # pragma: no cover - only the two supported databases
        stmt = insert(Notification)
    session.execute(stmt, rows)
    return len(rows)
