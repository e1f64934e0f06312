"""Stale messages mended: once a class is submitted or closed, the sheet messages sent to its teachers
are edited (through the outbox) to say so, with no live buttons."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.models import ClassSession, Notification
from domain.outbox import Intent, NotificationKind, enqueue


def mend_sheets(session: Session, cs: ClassSession, now: datetime) -> int:
    """Enqueue an edit of every sheet message sent about this class (rendered as it now is)."""
    teachers = session.scalars(select(Notification.recipient_id).distinct().where(
        Notification.kind == str(NotificationKind.ATTENDANCE_SHEET), Notification.subject_type == "session",
        Notification.subject_id == cs.id)).all()
    return enqueue(session, [Intent(NotificationKind.ATTENDANCE_SHEET_DONE, t,
                                    f"sheet-done:{cs.id}:{t}:{now.isoformat()}", {"session_id": cs.id},
                                    "session", cs.id) for t in teachers], now)
