"""Batches and their weekly schedule slots and enrolments."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import select

from domain import audit
from domain.actors import Actor, load_admin_or_system
from domain.errors import InvalidInput, NotFound
from domain.models import (
    Batch,
    BatchTeacher,
    Enrolment,
    Person,
    Role,
    ScheduleSlot,
)
from domain.timeparse import parse_hhmm
from domain.uow import UnitOfWork

# --- batches and schedules ----------------------------------------------------------------

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


def create_batch(uow: UnitOfWork, actor: Actor, *, name: str, subject: str = "", level: str = "",
                 teacher_ids: Iterable[int] = ()) -> BatchInfo:
    """Admins (or the operator's shell): a new active batch and its teachers."""
    with uow:
        load_admin_or_system(uow.session, actor)
        name = " ".join((name or "").split())
        if not name or len(name) > 120:
            raise InvalidInput("A batch needs a name of 1 to 120 characters.")
        if uow.session.scalar(select(Batch.id).where(Batch.name == name)):
            raise InvalidInput(f"A batch called {name!r} already exists.")
        batch = Batch(name=name, subject=subject.strip(), level=level.strip(), active=True, created_at=uow.now)
        uow.session.add(batch)
        uow.session.flush()
        teachers = set(teacher_ids)
        found = set(uow.session.scalars(select(Person.id).where(
            Person.id.in_(teachers), Person.role.in_([Role.TEACHER, Role.ADMIN]))))
        if teachers - found:
            raise InvalidInput("Every teacher of a batch must be a teacher or an admin.")
        uow.session.add_all(BatchTeacher(batch_id=batch.id, person_id=t) for t in sorted(teachers))
        audit.record(uow.session, actor, "batch.create", "batch", batch.id, uow.now, name=name,
                     teachers=sorted(teachers))
        uow.commit()
        return BatchInfo(batch.id, batch.name, batch.subject, batch.level, batch.active)


def add_slot(uow: UnitOfWork, actor: Actor, batch_id: int, *, weekday: int, start: str | time,
             duration_minutes: int) -> SlotInfo:
    """Admins: a weekly slot (weekday 0 = Monday, local start time, length) for a batch."""
    with uow:
        load_admin_or_system(uow.session, actor)
        if uow.session.get(Batch, batch_id) is None:
            raise NotFound("No such batch.")
        if not 0 <= weekday <= 6:
            raise InvalidInput("The weekday must be 0 (Monday) to 6 (Sunday).")
        if isinstance(start, str):
            start = parse_hhmm(start, "Write the start time as HH:MM, e.g. 16:30.")
        if not 10 <= duration_minutes <= 600:
            raise InvalidInput("A class lasts 10 to 600 minutes.")
        slot = ScheduleSlot(batch_id=batch_id, weekday=weekday, start_time=start,
                            duration_minutes=duration_minutes, active=True)
        uow.session.add(slot)
        uow.session.flush()
        audit.record(uow.session, actor, "batch.add_slot", "batch", batch_id, uow.now, slot=slot.id)
        uow.commit()
        return SlotInfo(slot.id, batch_id, weekday, start, duration_minutes)


def enrol(uow: UnitOfWork, actor: Actor, batch_id: int, student_id: int, enrolled_on: date) -> None:
    """Admins: enrol a student in a batch from a date (re-enrolling clears the leaving date)."""
    with uow:
        load_admin_or_system(uow.session, actor)
        student = uow.session.get(Person, student_id)
        if student is None or student.role != Role.STUDENT:
            raise InvalidInput("Only students can be enrolled.")
        if uow.session.get(Batch, batch_id) is None:
            raise NotFound("No such batch.")
        row = uow.session.get(Enrolment, (batch_id, student_id))
        if row is None:
            uow.session.add(Enrolment(batch_id=batch_id, student_id=student_id, enrolled_on=enrolled_on))
        else:
            row.enrolled_on, row.left_on = enrolled_on, None
        audit.record(uow.session, actor, "batch.enrol", "batch", batch_id, uow.now, student_id=student_id,
                     enrolled_on=enrolled_on.isoformat())
        uow.commit()


def deactivate_batch(uow: UnitOfWork, actor: Actor, batch_id: int) -> None:
    """Deleting a batch only deactivates it: its history stays."""
    with uow:
        load_admin_or_system(uow.session, actor)
        batch = uow.session.get(Batch, batch_id)
        if batch is None:
            raise NotFound("No such batch.")
        batch.active = False
        audit.record(uow.session, actor, "batch.deactivate", "batch", batch_id, uow.now)
        uow.commit()


