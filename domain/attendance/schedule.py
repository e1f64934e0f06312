"""Class sessions made from the weekly schedule, and opening them when due.

Session rows are made ahead by the scheduler (`ensure_sessions`), or one at a time by the explicit action
that needs one (`ensure_session`); reads compute the rest from the schedule (`planned`) and write nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from domain.actors import Actor, load_active
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.models import (
    Batch,
    BatchTeacher,
    ClassSession,
    Person,
    Role,
    ScheduleSlot,
    SessionStatus,
)
from domain.outbox import Intent, NotificationKind, enqueue
from domain.rules import rule_in
from domain.uow import UnitOfWork

AHEAD_DAYS = 31  # a class may be made from the schedule for today up to this far ahead, never for the past

# --- sessions from the schedule -----------------------------------------------------------

@dataclass(frozen=True)
class Planned:
    """A class the weekly schedule implies (whether or not its session row exists yet)."""

    batch_id: int
    slot_id: int
    on_date: date
    starts_at: datetime
    ends_at: datetime


def planned(session: Session, first: date, last: date, tz: str,
            batch_ids: Collection[int] | None = None) -> list[Planned]:
    """The classes the active slots of active batches imply between two local dates."""
    zone = ZoneInfo(tz)
    q = (select(ScheduleSlot).join(Batch, Batch.id == ScheduleSlot.batch_id)
         .where(Batch.active.is_(True), ScheduleSlot.active.is_(True)).order_by(ScheduleSlot.id))
    if batch_ids is not None:
        q = q.where(ScheduleSlot.batch_id.in_(batch_ids))
    slots = list(session.scalars(q))
    out = []
    day = first
    while day <= last:
        for slot in slots:
            if slot.weekday == day.weekday():
                start = datetime.combine(day, slot.start_time, zone)
                out.append(Planned(slot.batch_id, slot.id, day, start,
                                   start + timedelta(minutes=slot.duration_minutes)))
        day += timedelta(days=1)
    return out


def local_today(uow: UnitOfWork, tz: str) -> date:
    """Today's date in the organisation's time zone (within an open unit of work)."""
    return uow.now.astimezone(ZoneInfo(tz)).date()

def local_today_at(now: datetime, tz: str) -> date:
    """The organisation's local date at `now`."""
    return now.astimezone(ZoneInfo(tz)).date()


def _insert_ignore(session: Session, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    mod = postgresql if dialect == "postgresql" else sqlite
    stmt = mod.insert(ClassSession).on_conflict_do_nothing(index_elements=["batch_id", "on_date", "slot_id"])
    session.execute(stmt, rows)


def ensure_sessions(uow: UnitOfWork, first: date, last: date, tz: str, batch_id: int | None = None, *,
                    skip_ended: bool = False) -> int:
    """The scheduler's job: create the sessions the schedule implies between two local dates;
    idempotent and race-safe. With `skip_ended`, none whose class has already ended (a slot added
    today after its time is not a missed class)."""
    with uow:
        plans = planned(uow.session, first, last, tz, None if batch_id is None else [batch_id])
        if skip_ended:
            plans = [p for p in plans if p.ends_at > uow.now]
        insert_planned(uow.session, plans)
        uow.commit()
        return len(plans)


def insert_planned(session: Session, plans: list[Planned]) -> None:
    """Make the session rows of these planned classes (existing ones are left as they are)."""
    _insert_ignore(session, [_row(p) for p in plans])


def _row(p: Planned) -> dict[str, object]:
    return {"batch_id": p.batch_id, "slot_id": p.slot_id, "on_date": p.on_date, "starts_at": p.starts_at,
            "ends_at": p.ends_at, "status": SessionStatus.SCHEDULED}


def ensure_session(uow: UnitOfWork, actor: Actor, *, slot_id: int, on: date, tz: str) -> int:
    """Opening a class that has no session row yet: its teachers (or an admin) make it from the schedule,
    for today up to AHEAD_DAYS ahead; returns the session's id (an existing row's when there is one)."""
    with uow:
        slot = uow.session.get(ScheduleSlot, slot_id)
        if slot is None:
            raise NotFound("No such class.")
        authorise_teacher(uow.session, actor, slot.batch_id)
        today = local_today(uow, tz)
        match = [p for p in planned(uow.session, on, on, tz, [slot.batch_id]) if p.slot_id == slot_id]
        if not match or not today <= on <= today + timedelta(days=AHEAD_DAYS):
            raise NotFound("No such class.")
        _insert_ignore(uow.session, [_row(match[0])])
        session_id = uow.session.scalar(select(ClassSession.id).where(
            ClassSession.batch_id == slot.batch_id, ClassSession.on_date == on, ClassSession.slot_id == slot_id))
        uow.commit()
        if session_id is None:  # pragma: no cover - the insert above or a concurrent one made it
            raise InvalidInput("That class could not be opened; try again.")
        return session_id


def authorise_teacher(session: Session, actor: Actor, batch_id: int) -> Person:
    """The actor, if they teach this batch or are an admin; else Forbidden."""
    me = load_active(session, actor, Role.TEACHER, Role.ADMIN)
    if me.role != Role.ADMIN and me.id not in teachers_of(session, batch_id):
        raise Forbidden("Only this batch's teachers can take its attendance.")
    return me


def grace(session: Session, batch: Batch) -> timedelta:
    """How long after its end a class stays open (the batch's own setting, else the rule)."""
    minutes = batch.grace_minutes if batch.grace_minutes is not None else rule_in(
        session, "attendance.grace_minutes", f"batch:{batch.id}")
    return timedelta(minutes=int(minutes))


def teachers_of(session: Session, batch_id: int) -> list[int]:
    """The ids of a batch's teachers, in id order."""
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


