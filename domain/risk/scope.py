"""Whose risk a person may see, written once for every surface (console, API, brief, actions): the
holder of `risk.review` sees the current students of the batches they teach; an admin every batch."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from domain.actors import Actor
from domain.errors import NotFound
from domain.models import Batch, BatchTeacher, Enrolment, Person, Role
from domain.perms.catalogue import RISK_REVIEW
from domain.perms.check import require


def viewer(session: Session, actor: Actor) -> Person:
    """The acting person, active and holding risk.review (else Forbidden)."""
    return require(session, actor, RISK_REVIEW)


def batch_ids(me: Person) -> Select[tuple[int]]:
    """The batches whose students' risk `me` may see."""
    if me.role == Role.ADMIN:
        return select(Batch.id)
    return select(BatchTeacher.batch_id).where(BatchTeacher.person_id == me.id)


def students(me: Person, batch_id: int | None = None) -> Select[tuple[int]]:
    """The students (current enrolments) of the visible batches, or of one of them."""
    q = select(Enrolment.student_id).where(Enrolment.batch_id.in_(batch_ids(me)), Enrolment.left_on.is_(None))
    if batch_id is not None:
        q = q.where(Enrolment.batch_id == batch_id)
    return q.distinct()


def check_batch(session: Session, me: Person, batch_id: int) -> Batch:
    """A batch `me` may see risk for; another teacher's batch reads as no such batch."""
    batch = session.get(Batch, batch_id)
    if batch is None or (me.role != Role.ADMIN and session.get(BatchTeacher, (batch_id, me.id)) is None):
        raise NotFound("No such batch.")
    return batch


def check_student(session: Session, me: Person, student_id: int) -> Person:
    """A student `me` may see risk for; anyone else reads as no such student."""
    student = session.get(Person, student_id)
    if student is None or student.role != Role.STUDENT or session.scalar(
            students(me).where(Enrolment.student_id == student_id)) is None:
        raise NotFound("No such student.")
    return student
