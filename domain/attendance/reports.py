"""Attendance reports: percentage over a period per student and per batch, a calendar, CSV."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select

from domain.actors import Actor, load_active
from domain.csv_export import write_csv
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.models import (
    AttendanceRecord,
    Batch,
    BatchTeacher,
    ClassSession,
    Enrolment,
    Mark,
    ParentLink,
    Person,
    Role,
)
from domain.rules import rule_in
from domain.uow import UnitOfWork


@dataclass(frozen=True)
class StudentLine:
    student_id: int
    name: str
    batch: str
    present: int
    late: int
    absent: int
    excused: int
    late_counts: bool = True  # the rule attendance.late_counts_present of the batch

    @property
    def counted(self) -> int:
        return self.present + self.late + self.absent

    @property
    def attended(self) -> int:
        """Present, and late when the rule counts late as attended (as the low-attendance alert does)."""
        return self.present + (self.late if self.late_counts else 0)

    @property
    def percent(self) -> float | None:
        """Attended over classes that count (excused ones do not); None when there is no data."""
        return None if not self.counted else round(100.0 * self.attended / self.counted, 1)


def _check_period(first: date, last: date) -> None:
    if last < first:
        raise InvalidInput("The period ends before it starts.")
    if (last - first).days > 366:
        raise InvalidInput("Choose a period of at most a year.")


def student_lines(uow: UnitOfWork, actor: Actor, first: date, last: date, *, batch_id: int | None = None,
                  student_ids: list[int] | None = None) -> list[StudentLine]:
    """One line per student and batch. Teachers see their batches, parents their children, students themselves."""
    _check_period(first, last)
    with uow:
        me = load_active(uow.session, actor)
        q = (select(Person.id, Person.name, Batch.name, Batch.id,
                    *(func.sum(case((AttendanceRecord.mark == m, 1), else_=0)) for m in
                      (Mark.PRESENT, Mark.LATE, Mark.ABSENT, Mark.EXCUSED)))
             .join(AttendanceRecord, AttendanceRecord.student_id == Person.id)
             .join(ClassSession, ClassSession.id == AttendanceRecord.session_id)
             .join(Batch, Batch.id == ClassSession.batch_id)
             .join(Enrolment, (Enrolment.batch_id == Batch.id) & (Enrolment.student_id == Person.id))
             .where(ClassSession.on_date >= first, ClassSession.on_date <= last,
                    ClassSession.on_date >= Enrolment.enrolled_on)
             .group_by(Person.id, Person.name, Batch.name, Batch.id).order_by(Batch.name, Person.name))
        if batch_id is not None:
            if uow.session.get(Batch, batch_id) is None:
                raise NotFound("No such batch.")
            q = q.where(Batch.id == batch_id)
        if student_ids:
            q = q.where(Person.id.in_(student_ids))
        if me.role == Role.TEACHER:
            q = q.where(Batch.id.in_(select(BatchTeacher.batch_id).where(BatchTeacher.person_id == me.id)))
        elif me.role == Role.PARENT:
            q = q.where(Person.id.in_(select(ParentLink.child_id).where(ParentLink.parent_id == me.id)))
        elif me.role in (Role.STUDENT, Role.MEMBER):
            q = q.where(Person.id == me.id)
        elif me.role != Role.ADMIN:  # pragma: no cover - every role is handled above
            raise Forbidden("You cannot see attendance reports.")
        rows = uow.session.execute(q).all()
        late_counts = {bid: bool(rule_in(uow.session, "attendance.late_counts_present", f"batch:{bid}"))
                       for bid in {row[3] for row in rows}}
    return [StudentLine(pid, name, batch, int(p or 0), int(lt or 0), int(a or 0), int(x or 0), late_counts[bid])
            for pid, name, batch, bid, p, lt, a, x in rows]


def to_csv(lines: list[StudentLine]) -> str:
    """The report as CSV, every cell safe to open in a spreadsheet."""
    return write_csv(["student_id", "student", "batch", "present", "late", "absent", "excused", "percent"],
                     ([line.student_id, line.name, line.batch, line.present, line.late, line.absent,
                       line.excused, line.percent] for line in lines))


@dataclass(frozen=True)
class CalendarDay:
    on_date: date
    batch: str
    status: str
    mark: str | None


def student_calendar(uow: UnitOfWork, actor: Actor, student_id: int, first: date, last: date) -> list[CalendarDay]:
    """Every class of the student's batches in the period, with its state and the student's mark."""
    _check_period(first, last)
    lines = student_lines(uow, actor, first, last, student_ids=[student_id])  # authorises the viewer
    with uow:
        me = load_active(uow.session, actor)
        if me.role != Role.ADMIN and not lines and me.id != student_id:
            allowed = uow.session.get(ParentLink, (me.id, student_id)) is not None
            if not allowed:
                raise Forbidden("You cannot see this student's attendance.")
        marks = dict(uow.session.execute(select(AttendanceRecord.session_id, AttendanceRecord.mark)
                                         .where(AttendanceRecord.student_id == student_id)).all())
        rows = uow.session.execute(
            select(ClassSession.id, ClassSession.on_date, Batch.name, ClassSession.status)
            .join(Batch, Batch.id == ClassSession.batch_id)
            .join(Enrolment, Enrolment.batch_id == Batch.id)
            .where(Enrolment.student_id == student_id, ClassSession.on_date >= first,
                   ClassSession.on_date <= last, ClassSession.on_date >= Enrolment.enrolled_on)
            .order_by(ClassSession.on_date, ClassSession.starts_at)).all()
    return [CalendarDay(d, b, s.value, marks[i].value if i in marks else None) for i, d, b, s in rows]
