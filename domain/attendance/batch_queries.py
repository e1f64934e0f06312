"""Batches as the console lists them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from domain.actors import Actor
from domain.models import (
    Batch,
    BatchTeacher,
    Enrolment,
    Person,
    Role,
)
from domain.people.viewer import load_viewer
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


def list_batches(uow: UnitOfWork, actor: Actor) -> list[BatchRow]:
    """Admins: every batch; teachers: the batches they teach."""
    with uow:
        me = load_viewer(uow, actor)
        scope = [] if me.role == Role.ADMIN else [
            Batch.id.in_(select(BatchTeacher.batch_id).where(BatchTeacher.person_id == me.id))]
        batches = list(uow.session.scalars(select(Batch).where(*scope).order_by(Batch.name)))
        ids = [b.id for b in batches]
        teachers: dict[int, list[str]] = defaultdict(list)
        counts: dict[int, int] = {}
        if ids:
            for batch_id, name in uow.session.execute(
                    select(BatchTeacher.batch_id, Person.name).join(Person, Person.id == BatchTeacher.person_id)
                    .where(BatchTeacher.batch_id.in_(ids)).order_by(Person.name)):
                teachers[batch_id].append(name)
            counts = dict(uow.session.execute(
                select(Enrolment.batch_id, func.count()).where(
                    Enrolment.batch_id.in_(ids), Enrolment.left_on.is_(None))
                .group_by(Enrolment.batch_id)).all())
    return [BatchRow(b.id, b.name, b.subject, b.level, b.active, tuple(teachers[b.id]), counts.get(b.id, 0))
            for b in batches]


