"""Who is in a batch: enrolling and unenrolling students (admins, and the batch's own teachers).

Unenrolling keeps the row with a leaving date (the first day the student is no longer in the class), so
past rosters and attendance stay as they were. Re-enrolling a student who left opens the row again.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain import audit
from domain.actors import Actor, load_active
from domain.errors import Forbidden, InvalidField, NotFound
from domain.models import Batch, BatchTeacher, Channel, Enrolment, Person, PersonStatus, Role
from domain.perms.catalogue import CLASSES_MANAGE
from domain.perms.check import can, require
from domain.referrals import thanks as referral_thanks
from domain.timeparse import parse_iso_date
from domain.uow import UnitOfWork


def authorise_roster(session: Session, actor: Actor, batch_id: int) -> Batch:
    """The batch, if the actor is the operator's shell, an admin, or one of its teachers; else refused."""
    batch = session.get(Batch, batch_id)
    if actor.channel == Channel.SYSTEM and actor.person_id is None:
        if batch is None:
            raise NotFound("No such batch.")
        return batch
    me = load_active(session, actor, Role.ADMIN, Role.TEACHER)
    if batch is None:
        raise NotFound("No such batch.")
    if not can(session, me, CLASSES_MANAGE) and session.get(BatchTeacher, (batch_id, me.id)) is None:
        raise Forbidden("Only this batch's teachers and admins can change its roster.")
    return batch


def _student(session: Session, student_id: int | None) -> Person:
    student = session.get(Person, student_id) if student_id is not None else None
    if student is None or student.role != Role.STUDENT:
        raise InvalidField("student_id", "Choose a student from the list (only students can be enrolled).")
    return student


def enrol(uow: UnitOfWork, actor: Actor, batch_id: int, student_id: int | None, enrolled_on: date) -> None:
    """Enrol a student in an active batch from a date; a student who left may be enrolled again."""
    with uow:
        batch = authorise_roster(uow.session, actor, batch_id)
        student = _student(uow.session, student_id)
        if not batch.active:
            raise InvalidField("batch_id", f"{batch.name} is inactive; nobody can be enrolled in it.")
        if not isinstance(enrolled_on, date):
            raise InvalidField("enrolled_on", "Give the enrolment date as YYYY-MM-DD.")
        row = uow.session.get(Enrolment, (batch_id, student.id))
        if row is not None and row.left_on is None:
            raise InvalidField("student_id", f"{student.name} is already enrolled in {batch.name} "
                               f"(since {row.enrolled_on:%Y-%m-%d}).")
        if row is None:
            uow.session.add(Enrolment(batch_id=batch_id, student_id=student.id, enrolled_on=enrolled_on))
        else:
            row.enrolled_on, row.left_on = enrolled_on, None
        audit.record(uow.session, actor, "batch.enrol", "batch", batch_id, uow.now, student_id=student.id,
                     enrolled_on=enrolled_on.isoformat())
        referral_thanks.on_enrolled(uow.session, actor, student.id, batch_id, uow.now)
        uow.commit()


def unenrol(uow: UnitOfWork, actor: Actor, batch_id: int, student_id: int | None, left_on: date) -> None:
    """End a student's enrolment on a date (the first day they are not in the class); history stays."""
    with uow:
        authorise_roster(uow.session, actor, batch_id)
        student = _student(uow.session, student_id)
        row = uow.session.get(Enrolment, (batch_id, student.id))
        if row is None or row.left_on is not None:
            raise InvalidField("student_id", f"{student.name} is not enrolled in this batch.")
        if not isinstance(left_on, date):
            raise InvalidField("left_on", "Give the leaving date as YYYY-MM-DD.")
        if left_on < row.enrolled_on:
            raise InvalidField("left_on", f"The leaving date cannot be before the enrolment date "
                               f"({row.enrolled_on:%Y-%m-%d}).")
        row.left_on = left_on
        audit.record(uow.session, actor, "batch.unenrol", "batch", batch_id, uow.now, student_id=student.id,
                     left_on=left_on.isoformat())
        uow.commit()


def parse_day(raw: str, default: date) -> date:
    """A YYYY-MM-DD date typed in a form, `default` when empty; InvalidInput otherwise."""
    return parse_iso_date(raw) if raw and raw.strip() else default


def enrolled_ids(session: Session, batch_id: int) -> set[int]:
    """The students currently enrolled (no leaving date) in a batch."""
    return set(session.scalars(select(Enrolment.student_id).where(
        Enrolment.batch_id == batch_id, Enrolment.left_on.is_(None))))


def chat_batches(uow: UnitOfWork, actor: Actor) -> list[tuple[int, str]]:
    """The active batches one may enrol students in from the chat, by name (classes.manage)."""
    with uow:
        require(uow.session, actor, CLASSES_MANAGE)
        return [(i, n) for i, n in uow.session.execute(
            select(Batch.id, Batch.name).where(Batch.active.is_(True)).order_by(Batch.name))]


def candidates(uow: UnitOfWork, actor: Actor, batch_id: int, search: str = "",
               limit: int = 8) -> tuple[str, list[tuple[int, str]], int]:
    """For enrolling: the batch's name, the first `limit` students not in it whose name contains `search`,
    and how many match in all."""
    with uow:
        batch = authorise_roster(uow.session, actor, batch_id)
        q = select(Person.id, Person.name).where(
            Person.role == Role.STUDENT, Person.status != PersonStatus.DISABLED,
            Person.id.not_in(select(Enrolment.student_id).where(
                Enrolment.batch_id == batch_id, Enrolment.left_on.is_(None))))
        if search.strip():
            q = q.where(func.lower(Person.name).contains(search.strip().lower()[:60], autoescape=True))
        found = [(i, n) for i, n in uow.session.execute(q.order_by(Person.name))]
        return batch.name, found[:limit], len(found)


def names(uow: UnitOfWork, batch_id: int, student_id: int) -> tuple[str, str]:
    """A batch's and a person's names, for a confirmation ("?" when gone)."""
    with uow:
        batch, person = uow.session.get(Batch, batch_id), uow.session.get(Person, student_id)
        return (batch.name if batch else "?"), (person.name if person else "?")
