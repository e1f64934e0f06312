"""The one-time link to a class's web attendance sheet, issued when the bot sends the sheet."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from domain.auth import services as auth
from domain.errors import NotFound
from domain.models import ClassSession
from domain.uow import UnitOfWork

MIN_TTL = timedelta(minutes=10)


def issue_sheet_token(uow: UnitOfWork, session_id: int, teacher_id: int) -> str:
    """A one-time token for the web sheet of a class, valid until it closes (ten minutes at least)."""
    with uow:
        ends_at = uow.session.scalar(select(ClassSession.ends_at).where(ClassSession.id == session_id))
        if ends_at is None:
            raise NotFound("No such class.")
    ttl = max(ends_at + MIN_TTL - uow.clock.now(), MIN_TTL)
    return auth.issue_one_time(uow, purpose=auth.ATTENDANCE, person_id=teacher_id, ttl=ttl, object_id=session_id)
