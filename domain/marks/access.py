"""Who may create tests and enter marks for a batch: holders of classes.manage for every batch, holders of
marks.enter for the batches they teach. One rule, used by every marks service and query."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from domain.actors import Actor, load_active
from domain.errors import Forbidden, NotFound
from domain.models import Batch, BatchTeacher, ClassTest, Person
from domain.perms.catalogue import CLASSES_MANAGE, MARKS_ENTER
from domain.perms.check import can

REFUSED = "Only the batch's teachers and admins can see or enter its marks."


def marker(session: Session, actor: Actor) -> Person:
    """The acting person, active and holding classes.manage or marks.enter; else Forbidden."""
    me = load_active(session, actor)
    if not (can(session, me, CLASSES_MANAGE) or can(session, me, MARKS_ENTER)):
        raise Forbidden(REFUSED)
    return me


def batch_scope(session: Session, me: Person) -> ColumnElement[bool]:
    """A condition on Batch.id: every batch for classes.manage, else the batches `me` teaches."""
    if can(session, me, CLASSES_MANAGE):
        return true()
    return Batch.id.in_(select(BatchTeacher.batch_id).where(BatchTeacher.person_id == me.id))


def may_mark(session: Session, me: Person, batch_id: int) -> bool:
    """Whether `me` may create tests and enter marks for the batch."""
    if can(session, me, CLASSES_MANAGE):
        return True
    return can(session, me, MARKS_ENTER) and session.get(BatchTeacher, (batch_id, me.id)) is not None


def batch_for(session: Session, actor: Actor, batch_id: int | None) -> tuple[Person, Batch]:
    """The actor and the batch, if they may mark it; NotFound for no batch, Forbidden otherwise."""
    me = marker(session, actor)
    batch = session.get(Batch, batch_id) if batch_id is not None else None
    if batch is None:
        raise NotFound("No such batch.")
    if not may_mark(session, me, batch.id):
        raise Forbidden(REFUSED)
    return me, batch


def load_test(session: Session, actor: Actor, test_id: int) -> tuple[Person, ClassTest, Batch]:
    """The actor, the test and its batch, if they may mark it; a test they may not see is "no such test"."""
    me = marker(session, actor)
    test = session.get(ClassTest, test_id)
    if test is None or not may_mark(session, me, test.batch_id):
        raise NotFound("No such test.")
    batch = session.get(Batch, test.batch_id)
    assert batch is not None
    return me, test, batch
