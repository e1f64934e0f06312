"""What a parent's dashboard shows about their children (and a student's about themselves): per child and
per batch, the attendance of the last weeks, class by class, and the next class.

The dashboard link identifies the person; these reads take that person's id. A fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select

from domain.attendance.reports import StudentLine
from domain.models import (
    AttendanceRecord,
    Batch,
    ClassSession,
    Enrolment,
    Mark,
    ParentLink,
    Person,
    Role,
    SessionStatus,
)
from domain.uow import UnitOfWork

WEEKS = 4


@dataclass(frozen=True)
class ClassMark:
    on_date: date
    mark: Mark


@dataclass(frozen=True)
class ChildBatch:
    batch_name: str
    line: StudentLine  # the counts and the percentage, computed as the reports compute them
    classes: list[ClassMark]  # the last weeks' classes, oldest first
    next_class: datetime | None


@dataclass(frozen=True)
class ChildAttendance:
    child_id: int
    name: str
    batches: list[ChildBatch]


@dataclass(frozen=True)
class FamilyView:
    weeks: int
    first: date
    last: date
    children: list[ChildAttendance]


def _children(uow: UnitOfWork, person_id: int) -> list[tuple[int, str]]:
    me = uow.session.get(Person, person_id)
    if me is None:
        return []
    if me.role == Role.STUDENT:
        return [(me.id, me.name)]
    if me.role != Role.PARENT:
        return []
    return [tuple(r) for r in uow.session.execute(  # type: ignore[misc]
        select(Person.id, Person.name).join(ParentLink, ParentLink.child_id == Person.id)
        .where(ParentLink.parent_id == person_id).order_by(Person.name))]


def family_attendance(uow: UnitOfWork, person_id: int, tz: str, weeks: int = WEEKS) -> FamilyView:
    """A parent's children (or a student themselves), each with their batches' last weeks of classes."""
    with uow:
        return attendance_of(uow, _children(uow, person_id), tz, weeks)


def attendance_of(uow: UnitOfWork, children: list[tuple[int, str]], tz: str, weeks: int = WEEKS) -> FamilyView:
    """These students (id, name), each with their batches' last weeks of classes; inside an open unit of work."""
    now = uow.now
    last = now.astimezone(ZoneInfo(tz)).date()
    first = last - timedelta(days=7 * weeks - 1)
    ids = [cid for cid, _ in children]
    enrolled = uow.session.execute(
        select(Enrolment.student_id, Batch.id, Batch.name).join(Batch, Batch.id == Enrolment.batch_id)
        .where(Enrolment.student_id.in_(ids), Batch.active.is_(True),
               or_(Enrolment.left_on.is_(None), Enrolment.left_on >= first))
        .order_by(Batch.name)).all()
    marks = uow.session.execute(
        select(AttendanceRecord.student_id, ClassSession.batch_id, ClassSession.on_date, AttendanceRecord.mark)
        .join(ClassSession, ClassSession.id == AttendanceRecord.session_id)
        .join(Enrolment, (Enrolment.batch_id == ClassSession.batch_id)
              & (Enrolment.student_id == AttendanceRecord.student_id))
        .where(AttendanceRecord.student_id.in_(ids), ClassSession.on_date >= first,
               ClassSession.on_date <= last, ClassSession.on_date >= Enrolment.enrolled_on,
               ClassSession.status.in_([SessionStatus.SUBMITTED, SessionStatus.CLOSED]))
        .order_by(ClassSession.starts_at)).all()
    upcoming = dict(((b, s), t) for b, s, t in uow.session.execute(
        select(ClassSession.batch_id, Enrolment.student_id, func.min(ClassSession.starts_at))
        .join(Enrolment, Enrolment.batch_id == ClassSession.batch_id)
        .where(Enrolment.student_id.in_(ids), ClassSession.starts_at > now,
               ClassSession.status == SessionStatus.SCHEDULED)
        .group_by(ClassSession.batch_id, Enrolment.student_id)).all())
    by_pair: dict[tuple[int, int], list[ClassMark]] = {}
    for student_id, batch_id, on_date, mark in marks:
        by_pair.setdefault((student_id, batch_id), []).append(ClassMark(on_date, mark))
    out = []
    for child_id, name in children:
        rows = []
        for student_id, batch_id, batch_name in enrolled:
            if student_id != child_id:
                continue
            classes = by_pair.get((child_id, batch_id), [])
            count = {m: sum(1 for c in classes if c.mark == m) for m in Mark}
            line = StudentLine(child_id, name, batch_name, count[Mark.PRESENT], count[Mark.LATE],
                               count[Mark.ABSENT], count[Mark.EXCUSED])
            rows.append(ChildBatch(batch_name, line, classes, upcoming.get((batch_id, child_id))))
        out.append(ChildAttendance(child_id, name, rows))
    return FamilyView(weeks, first, last, out)
