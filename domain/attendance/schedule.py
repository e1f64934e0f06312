"""Class sessions made from the weekly schedule, and opening them when due."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from domain.models import (
    Batch,
    BatchTeacher,
    ClassSession,
    ScheduleSlot,
    SessionStatus,
)
from domain.outbox import Intent, NotificationKind, enqueue
from domain.rules import rule_in
from domain.uow import UnitOfWork

# --- sessions from the schedule -----------------------------------------------------------

def _insert_ignore(session: Session, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    mod = postgresql if dialect == "postgresql" else sqlite
    stmt = mod.insert(ClassSession).on_conflict_do_nothing(index_elements=["batch_id", "on_date", "slot_id"])
    session.execute(stmt, rows)


def ensure_sessions(uow: UnitOfWork, first: date, last: date, tz: str, batch_id: int | None = None) -> int:
    """Create the sessions the schedule implies between two local dates; idempotent and race-safe."""
    zone = ZoneInfo(tz)
    with uow:
        q = (select(ScheduleSlot).join(Batch, Batch.id == ScheduleSlot.batch_id)
             .where(Batch.active.is_(True), ScheduleSlot.active.is_(True)))
        if batch_id is not None:
            q = q.where(ScheduleSlot.batch_id == batch_id)
        slots = list(uow.session.scalars(q))
        rows = []
        day = first
        while day <= last:
            for slot in slots:
                if slot.weekday == day.weekday():
                    start = datetime.combine(day, slot.start_time, zone)
                    rows.append({"batch_id": slot.batch_id, "slot_id": slot.id, "on_date": day,
                                 "starts_at": start, "ends_at": start + timedelta(minutes=slot.duration_minutes),
                                 "status": SessionStatus.SCHEDULED})
            day += timedelta(days=1)
        _insert_ignore(uow.session, rows)
        uow.commit()
        return len(rows)


def grace(session: Session, batch: Batch) -> timedelta:
    minutes = batch.grace_minutes if batch.grace_minutes is not None else rule_in(
        session, "attendance.grace_minutes", f"batch:{batch.id}")
    return timedelta(minutes=int(minutes))


def teachers_of(session: Session, batch_id: int) -> list[int]:
    return list(session.scalars(select(BatchTeacher.person_id).where(BatchTeacher.batch_id == batch_id)
                                .order_by(BatchTeacher.person_id)))


def open_due(uow: UnitOfWork) -> list[int]:
    """Open the sessions whose opening time has come; each teacher is sent the sheet."""
    with uow:
        now = uow.now
        before = timedelta(minutes=int(rule_in(uow.session, "attendance.open_before_minutes")))
        due = list(uow.session.scalars(select(ClassSession).where(
            ClassSession.status == SessionStatus.SCHEDULED, ClassSession.starts_at <= now + before,
            ClassSession.ends_at > now)))
        opened = []
        for s in due:
            done = uow.session.execute(update(ClassSession).where(
                ClassSession.id == s.id, ClassSession.status == SessionStatus.SCHEDULED)
                .values(status=SessionStatus.OPEN, opened_at=now)
                .execution_options(synchronize_session=False)).rowcount
            if done:
                opened.append(s.id)
                enqueue(uow.session, [Intent(NotificationKind.ATTENDANCE_SHEET, t, f"sheet:{s.id}:{t}", {"session_id": s.id},
                                             "session", s.id) for t in teachers_of(uow.session, s.batch_id)], now)
        uow.commit()
        return opened


