"""Who may set and review homework for a batch: one rule, written once.

Admins (classes.manage) for every batch; holders of homework.assign (teachers by default) only for the
batches they teach. Students read their own items only."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.actors import Actor, load_active
from domain.errors import Forbidden, NotFound
from domain.models import Batch, BatchTeacher, Person
from domain.perms.catalogue import CLASSES_MANAGE, HOMEWORK_ASSIGN
from domain.perms.check import can


def all_batches(session: Session, person: Person) -> bool:
    """May this person set homework for any batch (not only their own)?"""
    return can(session, person, CLASSES_MANAGE)


def settable_batch_ids(session: Session, person: Person) -> list[int] | None:
    """The batches this person may set homework for: None means every batch; [] none."""
    if all_batches(session, person):
        return None
    if not can(session, person, HOMEWORK_ASSIGN):
        return []
    return list(session.scalars(select(BatchTeacher.batch_id).where(BatchTeacher.person_id == person.id)))


def may_manage(session: Session, person: Person, batch_id: int) -> bool:
    """May this person set and review homework of this batch?"""
    allowed = settable_batch_ids(session, person)
    return allowed is None or batch_id in allowed


def require_batch(session: Session, actor: Actor, batch_id: int) -> tuple[Person, Batch]:
    """The acting person and the batch, if they may set homework for it; else refused."""
    person = load_active(session, actor)
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFound("No such batch.")
    if not may_manage(session, person, batch_id):
        raise Forbidden("Only this batch's teachers and admins can set or review its homework.")
    return person, batch
