"""Batches as the console lists them, and which of them a person may pick."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain.actors import Actor
from domain.errors import Forbidden, NotFound
from domain.models import (
    Batch,
    BatchTeacher,
    Enrolment,
    Person,
    Role,
)
from domain.people.viewer import load_viewer
from domain.perms.catalogue import CLASSES_MANAGE
from domain.perms.check import can, require
from domain.uow import UnitOfWork

# --- batches -------------------------------------------------------------------------------

@dataclass(frozen=True)
class BatchRow:
    id: int
    name: str
    subject: str
    level: str
    active: bool
    teachers: tuple[str, ...]
    students: int


def batch_rows(session: Session, me: Person) -> list[BatchRow]:
    """classes.manage (admins): every batch; teachers: the batches they teach (within an open unit of work)."""
    scope = [] if can(session, me, CLASSES_MANAGE) else [
        Batch.id.in_(select(BatchTeacher.batch_id).where(BatchTeacher.person_id == me.id))]
    batches = list(session.scalars(select(Batch).where(*scope).order_by(Batch.name)))
    ids = [b.id for b in batches]
    teachers: dict[int, list[str]] = defaultdict(list)
    counts: dict[int, int] = {}
    if ids:
        for batch_id, name in session.execute(
                select(BatchTeacher.batch_id, Person.name).join(Person, Person.id == BatchTeacher.person_id)
                .where(BatchTeacher.batch_id.in_(ids)).order_by(Person.name)):
            teachers[batch_id].append(name)
        counts = dict(session.execute(
            select(Enrolment.batch_id, func.count()).where(
                Enrolment.batch_id.in_(ids), Enrolment.left_on.is_(None))
            .group_by(Enrolment.batch_id)).all())
    return [BatchRow(b.id, b.name, b.subject, b.level, b.active, tuple(teachers[b.id]), counts.get(b.id, 0))
            for b in batches]


def check_pick(rows: list[BatchRow], me: Person, picked: int | None) -> None:
    """A batch chosen in a filter must be one the person may see: else NotFound (admins) or Forbidden."""
    if picked is not None and picked not in {b.id for b in rows}:
        if me.role == Role.ADMIN:  # the message only: who may see every batch is batch_rows' rule
            raise NotFound("No such batch.")
        raise Forbidden("This batch is not one of yours.")


def list_batches(uow: UnitOfWork, actor: Actor, *, picked: int | None = None) -> list[BatchRow]:
    """Admins: every batch; teachers: the batches they teach. `picked` (a filter's batch) must be among them."""
    with uow:
        me = load_viewer(uow, actor)
        rows = batch_rows(uow.session, me)
        check_pick(rows, me, picked)
    return rows


def staff_choices(uow: UnitOfWork, actor: Actor) -> list[tuple[int, str]]:
    """Who can teach a batch (teachers and admins), by name (classes.manage)."""
    with uow:
        require(uow.session, actor, CLASSES_MANAGE)
        return [(i, n) for i, n in uow.session.execute(select(Person.id, Person.name).where(
            Person.role.in_([Role.TEACHER, Role.ADMIN])).order_by(Person.name))]
