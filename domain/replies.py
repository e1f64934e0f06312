"""Which notification a Telegram message was: the key to "reply to this message" conversations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from domain.models import Notification
from domain.uow import UnitOfWork


@dataclass(frozen=True)
class SentMessage:
    """A message the delivery loop sent (and recorded) to one person."""

    notification_id: int
    kind: str
    recipient_id: int
    subject_type: str | None
    subject_id: int | None
    data: dict[str, Any]


def sent_message_at(uow: UnitOfWork, recipient_id: int, chat_id: int, message_id: int) -> SentMessage | None:
    """The notification sent to this person as this chat's message, if any (a card edited in place keeps its id)."""
    with uow:
        row = uow.session.scalars(select(Notification).where(
            Notification.recipient_id == recipient_id, Notification.telegram_chat_id == chat_id,
            Notification.telegram_message_id == message_id).order_by(Notification.id.desc()).limit(1)).first()
        if row is None:
            return None
        return SentMessage(row.id, row.kind, row.recipient_id, row.subject_type, row.subject_id, dict(row.data))
