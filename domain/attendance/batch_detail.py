"""One batch as its console page shows it: details, weekly slots, the next classes, the roster with
parents, and the choices its forms offer. Admins see every batch; teachers the batches they teach."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from domain.actors import Actor
from domain.attendance.schedule import planned
from domain.errors import NotFound
from domain.models import (
    Batch,
    BatchTeacher,
    ClassSession,
    Enrolment,
    ParentLink,
    Person,
    PersonStatus,
    Role,
    ScheduleSlot,
)
from domain.people.reach import family_reach
from domain.people.viewer import load_viewer
from domain.perms.catalogue import CLASSES_MANAGE, RISK_REVIEW
from domain.perms.check import can
from domain.risk.queries import levels_of
from domain.rules import rule_in
from domain.uow import UnitOfWork

NEXT_CLASSES = 6


@dataclass(frozen=True)
class Slot:
    id: int
    weekday: int
    start: time
    duration_minutes: int


@dataclass(frozen=True)
class NextClass:
    on_date: date
    starts_at: datetime
    ends_at: datetime
    status: str  # a session's state, or "planned" when its row is not made yet


@dataclass(frozen=True)
class RosterRow:
    student_id: int
    name: str
    enrolled_on: date
    left_on: date | None
    parents: tuple[str, ...]
    unreachable: tuple[str, ...] = ()  # who of the student and their parents Telegram cannot reach, and why
    risk: str = ""  # the student's risk level (domain/risk) for viewers holding risk.review; "" otherwise


@dataclass(frozen=True)
class BatchDetail:
    id: int
    name: str
    subject: str
    level: str
    active: bool
    grace_minutes: int | None
    default_grace: int
    teacher_ids: tuple[int, ...]
    teachers: tuple[str, ...]
    slots: tuple[Slot, ...]
    next_classes: tuple[NextClass, ...]
    roster: tuple[RosterRow, ...]
    students: tuple[tuple[int, str], ...]  # students not currently enrolled: the enrol form's choices
    staff: tuple[tuple[int, str], ...]  # who can teach (admins only; empty for teachers)
    parents: tuple[tuple[int, str], ...]  # parents to link (admins only)
    can_edit: bool

    @property
    def current(self) -> list[RosterRow]:
        return [r for r in self.roster if r.left_on is None]

    @property
    def former(self) -> list[RosterRow]:
        return [r for r in self.roster if r.left_on is not None]


def batch_detail(uow: UnitOfWork, actor: Actor, batch_id: int, tz: str) -> BatchDetail:
    """The batch page's read model; writes nothing."""
    with uow:
        s = uow.session
        me = load_viewer(uow, actor)
        batch = s.get(Batch, batch_id)
        teacher_rows = list(s.execute(select(Person.id, Person.name).join(
            BatchTeacher, BatchTeacher.person_id == Person.id).where(BatchTeacher.batch_id == batch_id)
            .order_by(Person.name)))
        admin = can(s, me, CLASSES_MANAGE)  # every batch, and the teacher / parent choices
        if batch is None or (not admin and me.id not in {t for t, _ in teacher_rows}):
            raise NotFound("No such batch.")
        slots = tuple(Slot(x.id, x.weekday, x.start_time, x.duration_minutes) for x in s.scalars(
            select(ScheduleSlot).where(ScheduleSlot.batch_id == batch_id, ScheduleSlot.active.is_(True))
            .order_by(ScheduleSlot.weekday, ScheduleSlot.start_time)))
        now = uow.now
        today = now.astimezone(ZoneInfo(tz)).date()
        made = {(c.slot_id, c.on_date): c.status.value for c in s.scalars(select(ClassSession).where(
            ClassSession.batch_id == batch_id, ClassSession.on_date >= today))}
        coming = [p for p in planned(s, today, today + timedelta(days=21), tz, [batch_id]) if p.ends_at > now]
        next_classes = tuple(NextClass(p.on_date, p.starts_at, p.ends_at, made.get((p.slot_id, p.on_date),
                                                                                    "planned"))
                             for p in sorted(coming, key=lambda p: p.starts_at)[:NEXT_CLASSES])
        enrolments = list(s.execute(select(Enrolment, Person.name).join(Person, Person.id == Enrolment.student_id)
                                    .where(Enrolment.batch_id == batch_id).order_by(Person.name)))
        ids = [e.student_id for e, _ in enrolments]
        parents: dict[int, list[str]] = {}
        if ids:
            for child, name in s.execute(select(ParentLink.child_id, Person.name).join(
                    Person, Person.id == ParentLink.parent_id).where(ParentLink.child_id.in_(ids))
                    .order_by(Person.name)):
                parents.setdefault(child, []).append(name)
        reach = family_reach(s, [e.student_id for e, _ in enrolments if e.left_on is None])
        risk = levels_of(s, ids) if can(s, me, RISK_REVIEW) else {}
        roster = tuple(RosterRow(e.student_id, name, e.enrolled_on, e.left_on, tuple(parents.get(e.student_id, ())),
                                 reach[e.student_id].notes if e.student_id in reach else (),
                                 risk.get(e.student_id, "") if e.left_on is None else "")
                       for e, name in enrolments)
        current = {r.student_id for r in roster if r.left_on is None}
        people = list(s.execute(select(Person.id, Person.name, Person.role).where(
            Person.status != PersonStatus.DISABLED).order_by(Person.name)))
        return BatchDetail(
            batch.id, batch.name, batch.subject, batch.level, batch.active, batch.grace_minutes,
            int(rule_in(s, "attendance.grace_minutes", f"batch:{batch.id}")),
            tuple(t for t, _ in teacher_rows), tuple(n for _, n in teacher_rows), slots, next_classes, roster,
            tuple((i, n) for i, n, r in people if r == Role.STUDENT and i not in current),
            tuple((i, n) for i, n, r in people if r in (Role.TEACHER, Role.ADMIN)) if admin else (),
            tuple((i, n) for i, n, r in people if r == Role.PARENT) if admin else (), admin)
