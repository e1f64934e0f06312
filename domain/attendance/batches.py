"""Batches and their weekly schedule slots (admins); enrolments live in domain.attendance.rosters.

Bad input is refused with InvalidField(field, message) so a form can show the message beside the field.
Removing a slot or deactivating a batch keeps its history: rows are marked inactive, and only the
future classes that were made from them and not opened yet are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from domain import audit
from domain.actors import Actor
from domain.attendance import schedule
from domain.attendance.rosters import enrol, unenrol
from domain.errors import InvalidField, InvalidInput, NotFound
from domain.models import (
    AttendanceRecord,
    Batch,
    BatchTeacher,
    ClassSession,
    Person,
    Role,
    ScheduleSlot,
    SessionStatus,
)
from domain.perms.catalogue import CLASSES_MANAGE
from domain.perms.check import require_or_system
from domain.timeparse import parse_hhmm
from domain.uow import UnitOfWork

__all__ = ["BatchInfo", "SlotInfo", "add_slot", "create_batch", "deactivate_batch", "edit_slot", "enrol",
           "remove_slot", "unenrol", "update_batch"]

MAX_GRACE = 240
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# --- batches -------------------------------------------------------------------------------

@dataclass(frozen=True)
class BatchInfo:
    id: int
    name: str
    subject: str
    level: str
    active: bool


@dataclass(frozen=True)
class SlotInfo:
    id: int
    batch_id: int
    weekday: int
    start_time: time
    duration_minutes: int


def _clean(session: Session, name: str, subject: str, level: str, teacher_ids: Iterable[int],
           grace_minutes: int | None, batch_id: int | None = None) -> tuple[str, str, str, list[int]]:
    name = " ".join((name or "").split())
    if not name or len(name) > 120:
        raise InvalidField("name", "A batch needs a name of 1 to 120 characters.")
    if session.scalar(select(Batch.id).where(Batch.name == name, Batch.id != (batch_id or 0))):
        raise InvalidField("name", f"A batch called {name!r} already exists.")
    subject, level = " ".join((subject or "").split()), " ".join((level or "").split())
    if len(subject) > 120:
        raise InvalidField("subject", "Keep the subject under 120 characters.")
    if len(level) > 60:
        raise InvalidField("level", "Keep the level under 60 characters.")
    if grace_minutes is not None and not 0 <= grace_minutes <= MAX_GRACE:
        raise InvalidField("grace_minutes", f"Grace is 0 to {MAX_GRACE} minutes (empty: the organisation's rule).")
    teachers = sorted(set(teacher_ids))
    found = set(session.scalars(select(Person.id).where(
        Person.id.in_(teachers), Person.role.in_([Role.TEACHER, Role.ADMIN]))))
    if set(teachers) - found:
        raise InvalidField("teacher_ids", "Every teacher of a batch must be a teacher or an admin.")
    return name, subject, level, teachers


def create_batch(uow: UnitOfWork, actor: Actor, *, name: str, subject: str = "", level: str = "",
                 teacher_ids: Iterable[int] = (), grace_minutes: int | None = None) -> BatchInfo:
    """Admins (or the operator's shell): a new active batch and its teachers."""
    with uow:
        require_or_system(uow.session, actor, CLASSES_MANAGE)
        name, subject, level, teachers = _clean(uow.session, name, subject, level, teacher_ids, grace_minutes)
        batch = Batch(name=name, subject=subject, level=level, active=True, grace_minutes=grace_minutes,
                      created_at=uow.now)
        uow.session.add(batch)
        uow.session.flush()
        uow.session.add_all(BatchTeacher(batch_id=batch.id, person_id=t) for t in teachers)
        audit.record(uow.session, actor, "batch.create", "batch", batch.id, uow.now, name=name,
                     teachers=teachers, grace_minutes=grace_minutes)
        uow.commit()
        return BatchInfo(batch.id, batch.name, batch.subject, batch.level, batch.active)


def update_batch(uow: UnitOfWork, actor: Actor, batch_id: int, *, name: str, subject: str = "",
                 level: str = "", teacher_ids: Iterable[int] = (), grace_minutes: int | None = None,
                 active: bool = True) -> BatchInfo:
    """Admins: change a batch's name, subject, level, teachers, grace, or (re)activate it."""
    with uow:
        require_or_system(uow.session, actor, CLASSES_MANAGE)
        batch = _batch(uow.session, batch_id)
        name, subject, level, teachers = _clean(uow.session, name, subject, level, teacher_ids, grace_minutes,
                                                batch_id)
        before = {"name": batch.name, "subject": batch.subject, "level": batch.level,
                  "grace_minutes": batch.grace_minutes, "active": batch.active,
                  "teachers": sorted(uow.session.scalars(select(BatchTeacher.person_id)
                                                         .where(BatchTeacher.batch_id == batch_id)))}
        after = {"name": name, "subject": subject, "level": level, "grace_minutes": grace_minutes,
                 "active": active, "teachers": teachers}
        batch.name, batch.subject, batch.level = name, subject, level
        batch.grace_minutes, batch.active = grace_minutes, active
        if before["teachers"] != teachers:
            uow.session.execute(delete(BatchTeacher).where(BatchTeacher.batch_id == batch_id))
            uow.session.add_all(BatchTeacher(batch_id=batch_id, person_id=t) for t in teachers)
        if not active:
            _drop_future(uow.session, uow.now, ClassSession.batch_id == batch_id)
        changed = sorted(k for k in after if after[k] != before[k])
        audit.record(uow.session, actor, "batch.update", "batch", batch_id, uow.now, changed=changed,
                     **{k: after[k] for k in changed})
        uow.commit()
        return BatchInfo(batch.id, batch.name, batch.subject, batch.level, batch.active)


def deactivate_batch(uow: UnitOfWork, actor: Actor, batch_id: int) -> None:
    """Deleting a batch only deactivates it: its history stays; its future unopened classes go."""
    with uow:
        require_or_system(uow.session, actor, CLASSES_MANAGE)
        batch = _batch(uow.session, batch_id)
        batch.active = False
        _drop_future(uow.session, uow.now, ClassSession.batch_id == batch_id)
        audit.record(uow.session, actor, "batch.deactivate", "batch", batch_id, uow.now)
        uow.commit()


def _batch(session: Session, batch_id: int) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFound("No such batch.")
    return batch


def _drop_future(session: Session, now: datetime, *where: object) -> None:
    """Delete the not-yet-opened classes still to come (never one with a mark)."""
    session.execute(delete(ClassSession).where(
        *where, ClassSession.status == SessionStatus.SCHEDULED, ClassSession.starts_at > now,
        ~exists().where(AttendanceRecord.session_id == ClassSession.id)).execution_options(
        synchronize_session=False))

# --- weekly slots --------------------------------------------------------------------------

def _slot_values(session: Session, batch_id: int, weekday: int, start: str | time, duration_minutes: int,
                 slot_id: int | None = None) -> time:
    if not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise InvalidField("weekday", "The weekday must be Monday to Sunday.")
    if isinstance(start, str):
        start = parse_hhmm_field(start)
    if not isinstance(duration_minutes, int) or not 10 <= duration_minutes <= 600:
        raise InvalidField("duration_minutes", "A class lasts 10 to 600 minutes.")
    begin = start.hour * 60 + start.minute
    if begin + duration_minutes > 24 * 60:
        raise InvalidField("duration_minutes", "A class must end by midnight.")
    for other in session.scalars(select(ScheduleSlot).where(
            ScheduleSlot.batch_id == batch_id, ScheduleSlot.active.is_(True), ScheduleSlot.weekday == weekday,
            ScheduleSlot.id != (slot_id or 0))):
        o = other.start_time.hour * 60 + other.start_time.minute
        if begin < o + other.duration_minutes and o < begin + duration_minutes:
            raise InvalidField("start", f"This overlaps the {WEEKDAYS[weekday]} class at "
                               f"{other.start_time:%H:%M} ({other.duration_minutes} min).")
    return start


def parse_hhmm_field(text: str, field: str = "start") -> time:
    """A HH:MM time, else InvalidField naming `field`."""
    try:
        return parse_hhmm(text, "Write the start time as HH:MM between 00:00 and 23:59, e.g. 16:30.")
    except InvalidInput as exc:
        raise InvalidField(field, exc.message) from None


def add_slot(uow: UnitOfWork, actor: Actor, batch_id: int, *, weekday: int, start: str | time,
             duration_minutes: int, tz: str | None = None) -> SlotInfo:
    """Admins: a weekly slot (weekday 0 = Monday, local start time, length) for an active batch;
    with `tz`, the coming week's classes from it are made at once (none that has already ended)."""
    with uow:
        require_or_system(uow.session, actor, CLASSES_MANAGE)
        if not _batch(uow.session, batch_id).active:
            raise InvalidField("batch_id", "This batch is inactive; activate it first.")
        start = _slot_values(uow.session, batch_id, weekday, start, duration_minutes)
        slot = ScheduleSlot(batch_id=batch_id, weekday=weekday, start_time=start,
                            duration_minutes=duration_minutes, active=True)
        uow.session.add(slot)
        uow.session.flush()
        _make_week(uow, slot.id, batch_id, tz)
        audit.record(uow.session, actor, "batch.add_slot", "batch", batch_id, uow.now, slot=slot.id,
                     weekday=weekday, start=f"{start:%H:%M}", duration_minutes=duration_minutes)
        uow.commit()
        return SlotInfo(slot.id, batch_id, weekday, start, duration_minutes)


def _make_week(uow: UnitOfWork, slot_id: int, batch_id: int, tz: str | None) -> None:
    if tz is not None:
        today = schedule.local_today(uow, tz)
        schedule.insert_planned(uow.session, [
            p for p in schedule.planned(uow.session, today, today + timedelta(days=7), tz, [batch_id])
            if p.slot_id == slot_id and p.ends_at > uow.now])


def _slot(session: Session, batch_id: int, slot_id: int) -> ScheduleSlot:
    slot = session.get(ScheduleSlot, slot_id)
    if slot is None or slot.batch_id != batch_id or not slot.active:
        raise NotFound("No such class time.")
    return slot


def edit_slot(uow: UnitOfWork, actor: Actor, batch_id: int, slot_id: int, *, weekday: int, start: str | time,
              duration_minutes: int, tz: str | None = None) -> SlotInfo:
    """Admins: move or resize a weekly slot; its future unopened classes are made again from it."""
    with uow:
        require_or_system(uow.session, actor, CLASSES_MANAGE)
        slot = _slot(uow.session, batch_id, slot_id)
        start = _slot_values(uow.session, batch_id, weekday, start, duration_minutes, slot_id)
        slot.weekday, slot.start_time, slot.duration_minutes = weekday, start, duration_minutes
        _drop_future(uow.session, uow.now, ClassSession.slot_id == slot_id)
        uow.session.flush()
        _make_week(uow, slot_id, batch_id, tz)
        audit.record(uow.session, actor, "batch.edit_slot", "batch", batch_id, uow.now, slot=slot_id,
                     weekday=weekday, start=f"{start:%H:%M}", duration_minutes=duration_minutes)
        uow.commit()
        return SlotInfo(slot.id, batch_id, weekday, start, duration_minutes)


def remove_slot(uow: UnitOfWork, actor: Actor, batch_id: int, slot_id: int) -> None:
    """Admins: stop a weekly slot; past classes stay, future unopened ones go."""
    with uow:
        require_or_system(uow.session, actor, CLASSES_MANAGE)
        slot = _slot(uow.session, batch_id, slot_id)
        slot.active = False
        _drop_future(uow.session, uow.now, ClassSession.slot_id == slot_id)
        audit.record(uow.session, actor, "batch.remove_slot", "batch", batch_id, uow.now, slot=slot_id)
        uow.commit()

