"""Classes as teachers, students and parents see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from domain.actors import Actor, load_active
from domain.errors import NotFound
from domain.models import (
    Batch,
    BatchTeacher,
    ClassSession,
    Enrolment,
    ParentLink,
    Person,
    Role,
    SessionStatus,
)
from domain.uow import UnitOfWork


def sessions_for_teacher(uow: UnitOfWork, actor: Actor, on: date) -> list[tuple[ClassSession, str]]:
    with uow:
        me = load_active(uow.session, actor, Role.TEACHER, Role.ADMIN)
        q = (select(ClassSession, Batch.name).join(Batch, Batch.id == ClassSession.batch_id)
             .where(ClassSession.on_date == on).order_by(ClassSession.starts_at))
        if me.role != Role.ADMIN:
            q = q.where(ClassSession.batch_id.in_(select(BatchTeacher.batch_id).where(BatchTeacher.person_id == me.id)))
        return [(cs, name) for cs, name in uow.session.execute(q).all()]



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
