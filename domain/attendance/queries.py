"""Classes as teachers, students and parents see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from domain.actors import Actor, load_active
from domain.attendance.batch_queries import BatchRow, batch_rows, check_pick
from domain.attendance.schedule import AHEAD_DAYS, local_today, planned
from domain.errors import NotFound
from domain.models import (
    Batch,
    ClassSession,
    Enrolment,
    ParentLink,
    Person,
    Role,
    SessionStatus,
)
from domain.rules import rule_in
from domain.uow import UnitOfWork

#: A class's state as people read it, in the chat and on the web: one word per session status.
STATE_WORDS: dict[SessionStatus, str] = {
    SessionStatus.SCHEDULED: "upcoming",
    SessionStatus.OPEN: "open",
    SessionStatus.SUBMITTED: "taken",
    SessionStatus.CLOSED: "closed",
    SessionStatus.MISSED: "missed",
}


@dataclass(frozen=True)
class SessionRow:
    """One class of a day. `id` is None for a class the schedule implies whose row is not made yet
    (the scheduler makes rows ahead; `schedule.ensure_session` makes one on demand)."""

    id: int | None
    batch_id: int
    batch_name: str
    slot_id: int | None
    on_date: date
    starts_at: datetime
    ends_at: datetime
    status: SessionStatus

    @property
    def state(self) -> str:
        """upcoming, open, taken, closed or missed."""
        return STATE_WORDS[self.status]


@dataclass(frozen=True)
class ClassDay:
    day: date
    today: date
    window_days: int  # how far from today the bot lets a teacher move
    batches: tuple[BatchRow, ...]  # the batches the person may pick (admins: all; teachers: theirs)
    rows: tuple[SessionRow, ...]


@dataclass(frozen=True)
class ClassWeek:
    today: date
    first: date  # the Monday of this local week
    last: date  # its Sunday
    rows: tuple[SessionRow, ...]  # in time order, today's among them

    def on(self, day: date) -> tuple[SessionRow, ...]:
        """The classes of one day of the week."""
        return tuple(r for r in self.rows if r.on_date == day)


def _rows_between(uow: UnitOfWork, batches: list[BatchRow], scope: set[int] | None, first: date, last: date,
                  today: date, tz: str) -> list[SessionRow]:
    """Classes between two local dates: made rows, and for today on the schedule's planned ones too."""
    q = (select(ClassSession, Batch.name).join(Batch, Batch.id == ClassSession.batch_id)
         .where(ClassSession.on_date >= first, ClassSession.on_date <= last))
    if scope is not None:
        q = q.where(ClassSession.batch_id.in_(scope))
    rows = [SessionRow(cs.id, cs.batch_id, name, cs.slot_id, cs.on_date, cs.starts_at, cs.ends_at, cs.status)
            for cs, name in uow.session.execute(q).all()]
    plan_from, plan_to = max(first, today), min(last, today + timedelta(days=AHEAD_DAYS))
    if plan_from <= plan_to:
        made = {(r.batch_id, r.slot_id, r.on_date) for r in rows}
        names = {b.id: b.name for b in batches}
        rows += [SessionRow(None, p.batch_id, names[p.batch_id], p.slot_id, p.on_date, p.starts_at, p.ends_at,
                            SessionStatus.SCHEDULED)
                 for p in planned(uow.session, plan_from, plan_to, tz, scope)
                 if (p.batch_id, p.slot_id, p.on_date) not in made and p.batch_id in names]
    rows.sort(key=lambda r: (r.starts_at, r.batch_name, r.id or 0))
    return rows


def classes_of_day(uow: UnitOfWork, actor: Actor, day: date | None, tz: str, *, batch_id: int | None = None,
                   clamp_to_window: bool = False) -> ClassDay:
    """A teacher's (an admin's: every) classes on a local day, made rows and the schedule's planned ones
    alike; writes nothing. Classes are planned from the schedule for today up to AHEAD_DAYS ahead only:
    past days stay as the scheduler left them. `clamp_to_window`: a day outside the date window is today."""
    with uow:
        me = load_active(uow.session, actor, Role.TEACHER, Role.ADMIN)
        batches = batch_rows(uow.session, me)
        check_pick(batches, me, batch_id)
        today = local_today(uow, tz)
        window = int(rule_in(uow.session, "attendance.date_window_days"))
        day = day or today
        if clamp_to_window and abs((day - today).days) > window:
            day = today
        mine = None if me.role == Role.ADMIN else {b.id for b in batches}
        scope = mine if batch_id is None else {batch_id}
        rows = _rows_between(uow, batches, scope, day, day, today, tz)
    return ClassDay(day, today, window, tuple(batches), tuple(rows))


def classes_of_week(uow: UnitOfWork, actor: Actor, tz: str) -> ClassWeek:
    """A teacher's (an admin's: every) classes of this local week, Monday to Sunday, each with its state;
    the same rows as `classes_of_day` gives day by day. Writes nothing."""
    with uow:
        me = load_active(uow.session, actor, Role.TEACHER, Role.ADMIN)
        batches = batch_rows(uow.session, me)
        today = local_today(uow, tz)
        first = today - timedelta(days=today.weekday())
        last = first + timedelta(days=6)
        scope = None if me.role == Role.ADMIN else {b.id for b in batches}
        rows = _rows_between(uow, batches, scope, first, last, today, tz)
    return ClassWeek(today, first, last, tuple(rows))


@dataclass(frozen=True)
class SessionInfo:
    id: int
    batch_id: int
    batch_name: str
    on_date: date
    starts_at: datetime
    ends_at: datetime
    status: SessionStatus


def session_info(uow: UnitOfWork, session_id: int) -> SessionInfo:
    """One class, for messages about it (no authorisation: callers already know the recipient)."""
    with uow:
        row = uow.session.execute(select(ClassSession, Batch.name).join(Batch, Batch.id == ClassSession.batch_id)
                                  .where(ClassSession.id == session_id)).first()
        if row is None:
            raise NotFound("No such class.")
        cs, name = row
        return SessionInfo(cs.id, cs.batch_id, name, cs.on_date, cs.starts_at, cs.ends_at, cs.status)




def upcoming_for(uow: UnitOfWork, actor: Actor, days: int = 14) -> list[tuple[SessionInfo, int, str]]:
    """Future classes a parent (for each child) or a student may excuse: (session, student id, name)."""
    with uow:
        me = load_active(uow.session, actor, Role.PARENT, Role.STUDENT)
        students = ([me.id] if me.role == Role.STUDENT else list(uow.session.scalars(
            select(ParentLink.child_id).where(ParentLink.parent_id == me.id))))
        rows = uow.session.execute(
            select(ClassSession, Batch.name, Person.id, Person.name)
            .join(Batch, Batch.id == ClassSession.batch_id)
            .join(Enrolment, Enrolment.batch_id == ClassSession.batch_id)
            .join(Person, Person.id == Enrolment.student_id)
            .where(Enrolment.student_id.in_(students), ClassSession.starts_at > uow.now,
                   ClassSession.starts_at <= uow.now + timedelta(days=days),
                   ClassSession.status.in_([SessionStatus.SCHEDULED, SessionStatus.OPEN]))
            .order_by(ClassSession.starts_at).limit(20)).all()
        return [(SessionInfo(cs.id, cs.batch_id, bname, cs.on_date, cs.starts_at, cs.ends_at, cs.status), pid, pname)
                for cs, bname, pid, pname in rows]
